#!/usr/bin/env bash
# The README's proving-service walk-through in one script (after `scripts/demo.sh` or
# `pip install -e .`): start `folding serve` on 127.0.0.1, then as a client upload the
# bundled 64-layer MLP, submit a proof job, watch its per-step progress, fetch the proof and
# the verifier key, and verify the proof locally. The server is drained (SIGTERM) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${DEMO_DIR:-$(mktemp -d)}"
mkdir -p "$out"

folding serve --address 127.0.0.1:0 --port-file "$out/port.json" --data-dir "$out/data" \
    --log-format text 2> "$out/server.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' EXIT
for _ in $(seq 600); do
    [ -s "$out/port.json" ] && break
    kill -0 $server 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
    sleep 0.1
done
addr="127.0.0.1:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' \
    "$out/port.json")"
echo "server on $addr (log: $out/server.log)"

folding remote upload examples/mlp16x64.onnx --server "$addr"
model=$(sha256sum examples/mlp16x64.onnx | cut -d' ' -f1)   # a model's id is its SHA-256
job=$(folding remote submit "$model" --input examples/mlp16x64_input.json --layers-per-step 8 \
    --server "$addr")                                  # 8 steps of 8 layers
folding remote watch "$job" --server "$addr"          # stage, segment, step i/N, rate, ETA
folding remote fetch "$job" -o "$out/proof.bin" --server "$addr"
folding remote fetch-vk "$model" --layers-per-step 8 -o "$out/model.vk" --server "$addr"
folding verify "$out/proof.bin" --vk "$out/model.vk"
echo "artefacts in $out"
