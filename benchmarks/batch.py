"""Batch proving benchmark: amortized cost per inference of the policy MLP (issue 3, item 4).

The policy MLP (input 32, three hidden layers of 128, 8 outputs) stands in for a game-playing
agent that proves every move. For each batch size B and inputs-per-step b, one child process
compiles (parameters cached), proves B inputs in one batch proof and verifies it; the row has
prove time (setup/load, fold, compress), time per inference, verify time, proof bytes and
the child's peak RSS.

    python benchmarks/batch.py --sizes 1,16,64,256 --items 1,4,16 --out benchmarks/out/batch.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

POLICY_WIDTHS = [32, 128, 128, 128, 8]


def child(batch: int, items: int, act_bits: int, weight_bits: int, cache: str) -> dict[str, Any]:
    """One measurement, run inside a fresh process so that peak RSS is this batch's alone."""
    import numpy as np

    import folding
    from folding.testing import mlp_onnx

    model = folding.compile(mlp_onnx(POLICY_WIDTHS, seed=11), act_bits=act_bits,
                            weight_bits=weight_bits, cache_dir=cache)
    folding.api.batch_verifier_key(model, items_per_step=items, cache_dir=cache)  # warm cache
    xs = np.random.default_rng(3).uniform(-1, 1, (batch, POLICY_WIDTHS[0]))
    start = time.perf_counter()
    proof, key = folding.prove_batch(model, xs, items_per_step=items, cache_dir=cache)
    prove_s = time.perf_counter() - start
    start = time.perf_counter()
    folding.verify(proof, key)
    verify_s = time.perf_counter() - start
    seg = proof.stats["segments"][0]
    return {
        "batch": batch, "items_per_step": items, "steps": seg["steps"],
        "act_bits": act_bits, "weight_bits": weight_bits,
        "step_constraints": seg["constraints"],
        "prove_s": prove_s, "per_inference_s": prove_s / batch,
        "load_s": proof.stats["setup_s"], "fold_s": proof.stats["fold_s"],
        "compress_s": proof.stats["compress_s"], "verify_s": verify_s,
        "proof_bytes": len(proof.to_bytes()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,16,64,256")
    ap.add_argument("--items", default="1,4,16", help="inputs per step to try (capped at B)")
    ap.add_argument("--act-bits", type=int, default=8)
    ap.add_argument("--weight-bits", type=int, default=8)
    ap.add_argument("--cache", default="benchmarks/out/params")
    ap.add_argument("--out", default="benchmarks/out/batch.json")
    ap.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child, args.act_bits, args.weight_bits, args.cache)))
        return 0
    rows = []
    for batch in (int(s) for s in args.sizes.split(",")):
        for items in sorted({min(int(i), batch) for i in args.items.split(",")}):
            cmd = [sys.executable, __file__, "--child", str(batch), str(items),
                   "--act-bits", str(args.act_bits), "--weight-bits", str(args.weight_bits),
                   "--cache", args.cache]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"B={batch:4d} b={items:3d} steps={row['steps']:4d} "
                  f"prove={row['prove_s']:7.2f}s ({row['per_inference_s']:.4f} s/inf; "
                  f"fold {row['fold_s']:.1f}, compress {row['compress_s']:.1f}) "
                  f"verify={row['verify_s']:.2f}s rss={row['peak_rss_mib']:.0f}MiB", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
