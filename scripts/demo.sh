#!/usr/bin/env bash
# Sets up the package and proves one inference of a bundled deep model (a 64-layer MLP of
# width 16), then verifies the proof, all through the `folding` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/rust_ext/target}"
python3 -m pip install --quiet -e .
out="${DEMO_DIR:-$(mktemp -d)}"
mkdir -p "$out"
folding inspect examples/mlp16x64.onnx
folding compile examples/mlp16x64.onnx -o "$out/model.fold" --vk-out "$out/model.vk"
folding prove "$out/model.fold" --input examples/mlp16x64_input.json -o "$out/proof.bin"
folding verify "$out/proof.bin" --vk "$out/model.vk"
echo "artefacts in $out"
