#!/usr/bin/env bash
# Sets up everything on a fresh machine (Rust, Python 3.11, pip, maturin) and runs the tests:
# the Rust core's `cargo test` (circuits, folding, verification) and the Python suite (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/rust_ext/target}"
python3 -m pip install --quiet -e ".[test]"
(cd rust_ext && cargo test --release --quiet -p folding-core)
python3 -m pytest -q "$@"
