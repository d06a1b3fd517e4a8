"""The command line's Ray options: ``folding prove --ray ...`` (the segments of one proof at
once) and ``folding prove-batch`` (one proof per input, spread over the workers). Ray is
imported only when ``--ray`` is given."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from folding.api import CompiledModel, Proof
from folding.cli_srs import add_srs_option, open_srs
from folding.cli_types import positive_int
from folding.srs import Srs


def add_cluster_options(p: argparse.ArgumentParser, *, segments: bool) -> None:
    """``--ray`` and the pool's size (and, for one proof, how to cut it)."""
    g = p.add_argument_group("Ray cluster")
    g.add_argument("--ray", metavar="ADDRESS", nargs="?", const="",
                   help="prove on Ray: a cluster address, 'local' to start one here, or "
                        "nothing for RAY_ADDRESS")
    g.add_argument("--workers", type=positive_int, default=2, metavar="N",
                   help="prover actors (default 2)")
    g.add_argument("--cpus-per-worker", type=float, default=1.0, metavar="N",
                   help="CPUs (and prover threads) per actor (default 1)")
    if segments:
        g.add_argument("--segments", type=positive_int, metavar="K",
                       help="cut the longest run of one step shape into K segments, proven "
                            "at once (a new plan: write its key with --vk-out)")
        g.add_argument("--vk-out", type=Path, metavar="FILE.vk",
                       help="write the verifier key of the plan the proof used")
        g.add_argument("--checkpoint-dir", type=Path, metavar="DIR",
                       help="segment checkpoints, on storage every worker sees (default: a "
                            "temporary directory)")


def _pool(args: argparse.Namespace) -> Any:
    from folding import cluster

    cluster.connect(args.ray or None)
    return cluster.ProverPool(workers=args.workers, cpus_per_worker=args.cpus_per_worker,
                              threads_per_worker=max(1, int(args.cpus_per_worker)),
                              cache_dir=str(args.cache_dir) if args.cache_dir else None)


def prove_on_cluster(args: argparse.Namespace, model: CompiledModel, x: Any,
                     progress: Any) -> tuple[Proof, CompiledModel]:
    """``folding prove --ray``: the proof and the (possibly re-planned) model it is for."""
    from folding import cluster

    srs = open_srs(args.srs)
    if args.segments is not None:
        model = cluster.with_segments(model, args.segments, cache_dir=args.cache_dir, srs=srs)
    with _pool(args) as pool:
        proof = cluster.prove(model, x, pool=pool, quantized=args.quantized,
                              checkpoint_dir=args.checkpoint_dir,
                              checkpoint_every=args.checkpoint_every or 8, progress=progress,
                              srs=srs)
    if args.vk_out is not None:
        args.vk_out.write_bytes(model.verifier_key.to_bytes())
    return proof, model


def add_prove_batch(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("prove-batch", parents=[common],
                       help="prove many inputs, one proof each (on Ray with --ray)")
    p.add_argument("model", type=Path, metavar="MODEL.fold")
    p.add_argument("--inputs", type=Path, required=True, metavar="X.npy|X.json",
                   help="inputs [n, input_dim]")
    p.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR",
                   help="proof-00000.bin, ... and summary.json")
    p.add_argument("--quantized", action="store_true", help="the inputs are already integers")
    p.add_argument("--cache-dir", type=Path, metavar="DIR", help="public-parameter cache")
    add_srs_option(p, verb="prove")
    add_cluster_options(p, segments=False)
    p.set_defaults(func=_cmd_prove_batch)


def _prove_locally(model: CompiledModel, xs: Any, quantized: bool, cache_dir: Path | None,
                   srs: Srs | None) -> list[Any]:
    from folding import api
    from folding.errors import FoldingError

    out: list[Any] = []
    for row in xs:
        try:
            out.append(api.prove(model, row, quantized=quantized, cache_dir=cache_dir, srs=srs))
        except FoldingError as exc:
            out.append(exc)
    return out


def _cmd_prove_batch(args: argparse.Namespace) -> int:
    from folding.cli import EXIT_OK, EXIT_REJECTED, UsageError, _emit, _load_array, _load_model

    model = _load_model(args.model)
    xs = _load_array(args.inputs, "inputs", "inputs")
    if xs.ndim != 2:
        raise UsageError(f"inputs '{args.inputs}': expected [n, input_dim], got shape "
                         f"{xs.shape}")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    srs = open_srs(args.srs)
    start = time.perf_counter()
    if args.ray is None:
        results = _prove_locally(model, xs, args.quantized, args.cache_dir, srs)
        workers = 0
    else:
        from folding import cluster

        with _pool(args) as pool:
            results = cluster.prove_batch(
                model, xs, pool=pool, quantized=args.quantized, srs=srs,
                progress=lambda done, n: print(f"\r{done}/{n} proven", end="",
                                               file=sys.stderr, flush=True))
            workers = pool.size
        print(file=sys.stderr)
    seconds = time.perf_counter() - start
    items: list[dict[str, Any]] = []
    for i, r in enumerate(results):
        if isinstance(r, Proof):
            path = args.output_dir / f"proof-{i:05d}.bin"
            path.write_bytes(r.to_bytes())
            items.append({"index": i, "proof": str(path), "output": list(r.output)})
        else:
            items.append({"index": i, "error": f"{type(r).__name__}: {r}"})
    failed = sum("error" in it for it in items)
    summary = {"inputs": len(items), "proven": len(items) - failed, "failed": failed,
               "seconds": seconds, "proofs_per_minute": 60 * (len(items) - failed) / seconds,
               "workers": workers, "commitment": model.commitment.hex(), "items": items}
    (args.output_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = [f"input {it['index']}: " + (f"ERROR {it['error']}" if "error" in it
                                          else f"output {it['output']}") for it in items]
    lines.append(f"{summary['proven']}/{len(items)} proven in {seconds:.1f}s "
                 f"({summary['proofs_per_minute']:.1f} proofs/min); proofs in {args.output_dir}")
    _emit(args, "\n".join(lines), summary)
    return EXIT_OK if failed == 0 else EXIT_REJECTED
