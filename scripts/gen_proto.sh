#!/usr/bin/env bash
# Regenerates the Python gRPC code in folding/v1/ from proto/folding/v1/*.proto.
# The generated files are committed; tests/test_service_proto.py checks they are current.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m grpc_tools.protoc -I proto \
  --python_out=. --grpc_python_out=. --pyi_out=. \
  proto/folding/v1/prover.proto
