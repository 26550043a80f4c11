"""Generated code of the scholia API (see examples/python/generate.sh)."""
