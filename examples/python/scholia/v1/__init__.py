"""Generated code of scholia.v1 (see examples/python/generate.sh). DO NOT EDIT."""
