#!/usr/bin/env bash
# Sets up everything on a fresh machine (Rust, Python 3.11, pip, maturin) and runs the tests:
# the Rust core's `cargo test` (circuits, folding, verification) and the Python suite (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/rust_ext/target}"
python3 -m pip install --quiet -e ".[test]"
# --lib --tests: the unit and e2e tests, not the developer examples in rust_ext/core/examples
# (they instantiate the generic prover again, about 4 minutes of compiling on 2 cores; build
# them with `cargo build --release -p folding-core --examples`).
(cd rust_ext && cargo test --release --quiet -p folding-core --lib --tests)
python3 -m pytest -q "$@"
