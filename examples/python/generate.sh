#!/usr/bin/env bash
# Regenerates the Python stubs in examples/python/scholia/v1 from proto/scholia/v1.
#
#   examples/python/generate.sh           rewrite the stubs
#   examples/python/generate.sh --check   fail (exit 1) if the committed stubs are stale
#
# It uses Debian's protoc and gRPC Python plugin, whose versions match Debian's
# Python runtime packages (python3-protobuf 4.21.12 and python3-grpcio 1.51.1
# in bookworm):
#
#   apt-get install -y protobuf-compiler protobuf-compiler-grpc
#
# Debian's python3-grpc-tools is not used: it bundles protoc 3.5.1, which
# cannot parse `optional` fields in proto3 files (admin_service.proto has
# one) and writes the old style of generated code. Override the tools with
# PROTOC=... and GRPC_PYTHON_PLUGIN=...; other protoc versions write slightly
# different files, so --check is only meaningful with the versions above.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
protoc=${PROTOC:-protoc}
plugin=${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || true)}

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v "$protoc" >/dev/null; then
  echo "$0: $protoc not found: apt-get install -y protobuf-compiler" >&2
  exit 1
fi
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
  echo "$0: grpc_python_plugin not found: apt-get install -y protobuf-compiler-grpc" >&2
  exit 1
fi
want="libprotoc 3.21.12"
if [ "$("$protoc" --version)" != "$want" ]; then
  echo "$0: warning: $("$protoc" --version), the committed stubs were made with $want" >&2
fi

# The well-known types (google/protobuf/timestamp.proto) come with protoc:
# Debian installs them in /usr/include, beside which protoc looks by itself.
includes=(-I "$root/proto")
for d in /usr/include /usr/local/include; do
  if [ -f "$d/google/protobuf/timestamp.proto" ]; then
    includes+=(-I "$d")
    break
  fi
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$root/proto" && "$protoc" "${includes[@]}" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  --python_out="$out" --grpc_python_out="$out" \
  scholia/v1/*.proto)
# Packages, so that `from scholia.v1 import resources_pb2` (what protoc
# writes in the stubs) works with examples/python on sys.path.
printf '"""Generated code of the scholia API (see examples/python/generate.sh)."""\n' >"$out/scholia/__init__.py"
printf '"""Generated code of scholia.v1 (see examples/python/generate.sh). DO NOT EDIT."""\n' >"$out/scholia/v1/__init__.py"

if $check; then
  if ! diff -r "$out/scholia" "$here/scholia" -x __pycache__ >/dev/null 2>&1; then
    echo "examples/python/scholia is stale: run examples/python/generate.sh and commit the result" >&2
    diff -r -q "$out/scholia" "$here/scholia" -x __pycache__ >&2 || true
    exit 1
  fi
  echo "examples/python/scholia is up to date"
  exit 0
fi

rm -rf "$here/scholia"
cp -r "$out/scholia" "$here/scholia"
echo "wrote $(cd "$here/scholia/v1" && ls *_pb2*.py | wc -l) files in examples/python/scholia/v1"
