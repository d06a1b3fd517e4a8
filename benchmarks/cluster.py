"""Ray benchmarks (issue 5) on a local Ray: one deep proof with its segments spread over
W workers, and batch throughput, each with W = 1 and W = 2 workers of one core (one Rayon
thread) each.

- Segment-parallel: the model is re-planned with its longest run cut into 2 segments (the
  same plan for every W, so the figures compare like with like). Each W proves it on a fresh
  pool: the first proof loads the segment keys from the disk cache (cold), the next
  ``--warm-runs`` find them in the actors' memory (warm; the median is reported).
- Batch: N inputs of a small model, one proof each, after one warm-up proof per worker.

Peak RSS is each actor's own (VmHWM from /proc). Example:

    python benchmarks/cluster.py --model depth-500 --batch-model w16-d16 --batch 16 \\
        --out benchmarks/out/cluster.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # measure this checkout, wherever the command runs from
    sys.path.insert(0, str(REPO))

import folding
from folding import cluster
from folding.testing.models import depth_suite_onnx, narrow_mlp_onnx

MODELS = {
    "depth-500": lambda: depth_suite_onnx(500),
    "w16-d512": lambda: narrow_mlp_onnx(16, 512),
    "w16-d64": lambda: narrow_mlp_onnx(16, 64),
    "w16-d16": lambda: narrow_mlp_onnx(16, 16),
}


def _peak_rss_mib(pids: list[int]) -> list[float]:
    out = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out.append(int(line.split()[1]) / 1024)
    return out


def segment_parallel(model: folding.api.CompiledModel, workers: int, cache: str,
                     warm_runs: int = 1) -> dict[str, Any]:
    x = np.random.default_rng(1).uniform(-1, 1, model.quantized.input_dim)
    with cluster.ProverPool(workers=workers, cache_dir=cache, keep_segments=8) as pool:
        times = []
        for _ in range(1 + warm_runs):
            start = time.perf_counter()
            proof = cluster.prove(model, x, pool=pool)
            times.append(time.perf_counter() - start)
        folding.verify(proof, model.verifier_key)
        rss = _peak_rss_mib(pool.pids())
    return {"workers": workers, "segments": len(model.segments), "cold_s": times[0],
            "warm_s": statistics.median(times[1:]), "warm_runs_s": times[1:],
            "fold_s": proof.stats["fold_s"], "compress_s": proof.stats["compress_s"],
            "actor_peak_rss_mib": rss}


def batch(model: folding.api.CompiledModel, workers: int, n: int, cache: str
          ) -> dict[str, Any]:
    xs = np.random.default_rng(2).uniform(-1, 1, (n, model.quantized.input_dim))
    with cluster.ProverPool(workers=workers, cache_dir=cache, keep_segments=8) as pool:
        cluster.prove_batch(model, xs[:workers], pool=pool)  # warm every actor
        start = time.perf_counter()
        results = cluster.prove_batch(model, xs, pool=pool)
        seconds = time.perf_counter() - start
        rss = _peak_rss_mib(pool.pids())
    failed = [r for r in results if not isinstance(r, folding.api.Proof)]
    if failed:
        raise RuntimeError(f"batch items failed: {failed[:3]}")
    return {"workers": workers, "inputs": n, "seconds": seconds,
            "proofs_per_minute": 60 * n / seconds, "actor_peak_rss_mib": rss}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(MODELS), default="depth-500")
    ap.add_argument("--batch-model", choices=sorted(MODELS), default="w16-d16")
    ap.add_argument("--batch", type=int, default=16, help="inputs in the batch run")
    ap.add_argument("--warm-runs", type=int, default=3,
                    help="warm segment-parallel proofs per pool size (the median is reported)")
    ap.add_argument("--workers", default="1,2", help="pool sizes to measure")
    ap.add_argument("--cache-dir", default=str(REPO / "benchmarks" / "out" / "params"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    sizes = [int(w) for w in args.workers.split(",")]
    cluster.connect("local", num_cpus=max(sizes))
    Path(args.cache_dir).mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    deep = cluster.with_segments(folding.compile(MODELS[args.model](), cache_dir=args.cache_dir),
                                 2, cache_dir=args.cache_dir)
    setup_s = time.perf_counter() - start
    small = folding.compile(MODELS[args.batch_model](), cache_dir=args.cache_dir)
    report = {
        "model": args.model, "plan": [list(s) for s in deep.segments], "setup_s": setup_s,
        "segment_parallel": [segment_parallel(deep, w, args.cache_dir, args.warm_runs)
                             for w in sizes],
        "batch_model": args.batch_model,
        "batch": [batch(small, w, args.batch, args.cache_dir) for w in sizes],
    }
    sp, bt = report["segment_parallel"], report["batch"]
    if len(sizes) == 2:
        report["speedup_warm"] = sp[0]["warm_s"] / sp[1]["warm_s"]
        report["speedup_cold"] = sp[0]["cold_s"] / sp[1]["cold_s"]
        report["batch_speedup"] = bt[1]["proofs_per_minute"] / bt[0]["proofs_per_minute"]
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
