"""Each segment's time per step against its MSM floor, with constraints by family (issue 3,
item 1). In one run: compile the case, prove it once (per-segment fold times), then profile
every segment (`NativeModel.profile`: the four MSMs of a step at the segment's real sizes,
witness synthesis, the cross term's matrix-vector products, constraints and nonzeros by
family).

    python benchmarks/floor.py w16-d512 depth-500 --out benchmarks/out/floor.json
    python benchmarks/floor.py w16-d512 --private --out benchmarks/out/floor-private.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import folding
from folding.testing.models import depth_suite_onnx, narrow_mlp_onnx

CASES = {
    "w16-d16": lambda: narrow_mlp_onnx(16, 16),
    "w16-d512": lambda: narrow_mlp_onnx(16, 512),
    "depth-500": lambda: depth_suite_onnx(500),
}


def measure(case: str, cache: str, private: bool = False) -> dict[str, Any]:
    """Compile, prove once and profile one case; returns its record."""
    model = folding.compile(CASES[case](), cache_dir=cache, private_weights=private)
    q = model.quantized
    x = np.random.default_rng(1).uniform(-1, 1, q.input_dim)
    start = time.perf_counter()
    proof = folding.prove(model, x, cache_dir=cache)
    prove_s = time.perf_counter() - start
    x_q = [int(v) for v in q.quantize_input(x)]
    profile = model.native().profile(x_q, cache, 3)
    rows = []
    for seg, stats in zip(profile, proof.stats["segments"]):
        step_ms = 1e3 * stats["fold_s"] / stats["steps"]
        rows.append({**seg, "fold_ms_per_step": step_ms,
                     "fold_over_floor": step_ms / seg["floor_ms"],
                     "compress_s": stats["compress_s"]})
    return {"case": case, "mode": "private" if private else "public", "prove_s": prove_s,
            "segments": rows}


def print_record(r: dict[str, Any]) -> None:
    """A readable summary of one case."""
    print(f"## {r['case']} ({r['mode']} weights): prove {r['prove_s']:.1f} s")
    for s in r["segments"]:
        print(f"segment {s['segment']}: {s['steps']} steps x {s['layers_per_step']} layers; "
              f"primary {s['primary_constraints']} constraints ({s['step_constraints']} ours, "
              f"{s['step_nonzeros']} nonzeros), secondary {s['secondary_constraints']}")
        print(f"  floor {s['floor_ms']:.1f} ms = witness MSM {s['msm_witness_ms']:.1f} + "
              f"cross-term MSM {s['msm_cross_term_ms']:.1f} + secondary {s['msm_secondary_ms']:.1f}; "
              f"synthesis {s['synthesis_ms']:.1f}, A/B/C z {s['matvec_ms']:.1f}; "
              f"measured fold {s['fold_ms_per_step']:.1f} ms/step = {s['fold_over_floor']:.2f}x floor; "
              f"compress {s['compress_s']:.1f} s")
        for fam, cons, nnz, var in s["families"]:
            print(f"    {fam:45s} {cons:8d} constraints {nnz:9d} nonzeros {var:8d} variables")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="+", choices=sorted(CASES))
    ap.add_argument("--private", action="store_true", help="private weights (hash chain)")
    ap.add_argument("--out", default="benchmarks/out/floor.json")
    ap.add_argument("--cache", default=None, help="parameter cache (default: a fresh temp dir)")
    args = ap.parse_args(argv)
    cache = args.cache or tempfile.mkdtemp(prefix="folding-floor-")
    records = []
    for case in args.cases:
        r = measure(case, cache, args.private)
        print_record(r)
        records.append(r)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"command": " ".join(sys.argv), "records": records},
                                         indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
