"""Succinct verification (issue 15): the ``bn254`` and ``pasta`` engines side by side, in the
same run, through the ``folding`` command line as a user runs it::

    python benchmarks/succinct.py --only depth-500 w16-d512 lenet5 zator-512
    python benchmarks/succinct.py --only lenet5 --engines bn254 --srs my.ptau
    python benchmarks/succinct.py --only depth-500 --engines bn254 --max-segment-nnz 655360

For each (model, engine): ``folding compile`` (``--engine``, ``--vk-out``), ``folding prove``
and three ``folding verify --vk`` runs, each command a fresh process with the case's own
parameter cache (``FOLDING_CACHE_DIR``), so the first verify derives the shared parts (cold)
and the next two find them cached (warm cache, fresh process). Recorded per case: verifier
key and compiled-model bytes, what the verifier's cache holds (shared parts, generators), proof bytes, prove time and the prover's peak RSS (``wait4``),
``verify_s`` as the CLI reports it (the check alone) and the wall time of each ``folding
verify`` process. ``bn254`` cases share one SRS (``--srs``, or a single-party one of
``2^--srs-log-size`` powers made once under ``--out``). Results: ``<out>/results_succinct.json``;
``--update-md`` writes the table into BENCHMARKS.md's ``succinct`` section.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.report import machine_info, write_results  # needs REPO on sys.path
from benchmarks.run import CASES, SEED, Case, _case_data, _child_env, run_child, select_cases

MARK_START = "<!-- succinct:start -->"
MARK_END = "<!-- succinct:end -->"
ENGINES = ("pasta", "bn254")
VERIFY_RUNS = 3


def _inputs(case: Case, work: Path) -> list[str]:
    """Writes model.onnx, x.json (and calibration.npy for the CNNs); returns the compile
    options they need. The input is the first held-out sample, or a seeded normal vector
    that stays in range."""
    import numpy as np

    from folding.errors import RangeError
    from folding.onnx_import import load_onnx
    from folding.quantize import quantize
    from folding.reference import predict_int

    data = case.onnx()
    (work / "model.onnx").write_bytes(data)
    float_model = load_onnx(data, base_dir=work)
    calibration, held_out = _case_data(case, float_model.input_dim)
    options = [arg for key, value in case.quantization
               for arg in (f"--{key.replace('_', '-')}", str(value))]
    if calibration is not None:
        np.save(work / "calibration.npy", calibration)
        options += ["--calibration", "calibration.npy"]
    if held_out is not None:
        x = held_out[0][0]
    else:
        x = np.random.default_rng([SEED, 1]).standard_normal(float_model.input_dim)
        q = quantize(float_model, calibration, **dict(case.quantization))
        try:
            predict_int(q, q.quantize_input(x))
        except RangeError:
            x = np.zeros(float_model.input_dim)
    (work / "x.json").write_text(json.dumps({"input": [float(v) for v in x]}))
    return options


def _run(argv: list[str], work: Path, env: dict[str, str], deadline: float,
         name: str) -> dict[str, Any]:
    """One ``folding`` command in a fresh process: its JSON summary, wall time, peak RSS."""
    out_path = work / f"{name}.json"
    child = run_child([sys.executable, "-m", "folding", *argv, "--json"],
                      max(1.0, deadline - time.monotonic()), env=env, stdout_path=out_path,
                      cwd=work)
    try:
        summary = json.loads(out_path.read_text())
    except (OSError, ValueError):
        summary = {}
    if child.rc != 0 or child.timed_out:
        what = "timed out" if child.timed_out else f"exit {child.rc}"
        raise RuntimeError(f"folding {argv[0]} {what}: " + " | ".join(child.tail[-5:]))
    # the record keeps figures, not the statement (inputs, outputs, logits)
    kept = {k: v for k, v in summary.items() if not (isinstance(v, list) and len(v) > 32)}
    return {**kept, "wall_s": child.wall_s, "peak_rss_mib": child.peak_rss_mib}


def run_case(case: Case, engine: str, srs: Path | None, timeout_s: float,
             label: str, max_segment_nnz: int | None = None) -> dict[str, Any]:
    """Compile, prove and verify one case with one engine (``max_segment_nnz``: the segment
    budget, else the engine's default); returns its record."""
    record: dict[str, Any] = {
        "case": case.name, "engine": engine, "description": case.description,
        "max_segment_nnz": max_segment_nnz, "status": "ok", "error": None,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    work = Path(tempfile.mkdtemp(prefix=f"folding-succinct-{case.name}-{engine}-"))
    env = {**_child_env(), "FOLDING_CACHE_DIR": str(work / "params")}
    deadline = time.monotonic() + timeout_s
    try:
        options = _inputs(case, work)
        srs_args = ["--srs", str(srs)] if engine == "bn254" and srs else []
        if max_segment_nnz is not None:
            options += ["--max-segment-nnz", str(max_segment_nnz)]
        print(f"{label} compile ...", file=sys.stderr, flush=True)
        record["compile"] = _run(["compile", "model.onnx", "-o", "m.fold", "--vk-out", "m.vk",
                                  "--engine", engine, *srs_args, *options],
                                 work, env, deadline, "compile")
        record["verifier_key_bytes"] = (work / "m.vk").stat().st_size
        record["model_bytes"] = (work / "m.fold").stat().st_size
        print(f"{label} prove ...", file=sys.stderr, flush=True)
        prove = _run(["prove", "m.fold", "--input", "x.json", "-o", "p.bin",
                      "--no-progress"], work, env, deadline, "prove")
        record["prove"] = prove
        record["prove_s"], record["prove_peak_rss_mib"] = prove.get("prove_s"), \
            prove["peak_rss_mib"]
        record["segments"] = len(prove.get("stats", {}).get("segments", [])) or None
        record["proof_bytes"] = (work / "p.bin").stat().st_size
        runs = []
        for index in range(VERIFY_RUNS):
            print(f"{label} verify {index + 1}/{VERIFY_RUNS} ...", file=sys.stderr,
                  flush=True)
            runs.append(_run(["verify", "p.bin", "--vk", "m.vk", *srs_args], work, env,
                             deadline, f"verify{index}"))
        record["verify_runs"] = runs
        record["verify_s_first"] = runs[0].get("verify_s")
        record["verify_s"] = statistics.median(r["verify_s"] for r in runs[1:])
        record["verify_wall_s_first"] = runs[0]["wall_s"]
        record["verify_wall_s"] = statistics.median(r["wall_s"] for r in runs[1:])
        record["verify_peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        record["params_cache_bytes"] = _tree_bytes(work / "params")
        # what a verifier's machine derives once: the shared key parts and generator tables
        record["verifier_cache_bytes"] = sum(_tree_bytes(work / "params" / d)
                                             for d in ("shared", "generators"))
    except Exception as exc:  # noqa: BLE001 - a failed case is a result to record
        record.update(status="error", error=f"{type(exc).__name__}: {exc}")
        print(f"{label} FAILED: {record['error']}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return record


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() \
        else 0


def _budget(nnz: int | None) -> str:
    if nnz is None:
        return ""
    exact = nnz.bit_length() - 1
    size = f"2^{exact}" if nnz == 1 << exact else f"{nnz:,}"
    return f", {size} a segment"


def _kib(n: Any) -> str:
    return "—" if n is None else f"{n / 1024:,.1f}"


def _s(v: Any, fmt: str = "{:.2f}") -> str:
    return "—" if v is None else fmt.format(v)


def markdown(meta: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """The BENCHMARKS.md section: one row per (model, engine), and the bn254/pasta ratios."""
    m = meta["machine"]
    lines = [
        (f"Run {meta['date']} on {m['processor']} ({m['cpu_count']} CPUs, "
        f"{m['mem_total_gib']} GiB), commit `{m['git_commit']}`:"),
        "", f"`{meta['command']}`", "",
        ("| model | engine | segments | verifier key KiB | verifier cache MiB | compiled model "
         "KiB | proof KiB | prove s | prover peak RSS MiB | verify_s (cold) | verify_s "
         "| `folding verify` wall s |"),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        if r["status"] != "ok":
            lines.append(f"| {r['case']} | {r['engine']} | {r['error']} ||||||||||")
            continue
        lines.append(
            f"| {r['case']} | {r['engine']}{' (run 1)' if r.get('from_run') else ''}"
            f"{_budget(r.get('max_segment_nnz'))} "
            f"| {r['segments'] or '—'} "
            f"| {_kib(r['verifier_key_bytes'])} "
            f"| {_s(r.get('verifier_cache_bytes') and r['verifier_cache_bytes'] / 2**20, '{:.1f}')} "
            f"| {_kib(r['model_bytes'])} "
            f"| {_kib(r['proof_bytes'])} | {_s(r['prove_s'], '{:.1f}')} "
            f"| {_s(r['prove_peak_rss_mib'], '{:,.0f}')} | {_s(r['verify_s_first'], '{:.3f}')} "
            f"| {_s(r['verify_s'], '{:.3f}')} | {_s(r['verify_wall_s'])} |")
    by = {(r["case"], r["engine"]): r for r in records if r["status"] == "ok"}
    ratios = [f"- {case}: bn254 proves in {b['prove_s'] / p['prove_s']:.2f}× pasta's time"
              for case in dict.fromkeys(r["case"] for r in records)
              if (b := by.get((case, "bn254"))) and (p := by.get((case, "pasta")))]
    if ratios:
        lines += ["", *ratios]
    return "\n".join(lines) + "\n"


def update_markdown(path: Path, section: str) -> None:
    """Replaces the text between the succinct markers of ``path`` (appends them if absent)."""
    text = path.read_text() if path.exists() else ""
    block = f"{MARK_START}\n{section}{MARK_END}"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def _srs(args: argparse.Namespace) -> Path:
    from folding.srs import Srs

    if args.srs is not None:
        return Path(Srs.open(args.srs).path)
    path = args.out / f"bench-srs-{args.srs_log_size}.ptau"
    if not path.exists():
        print(f"making a single-party SRS of 2^{args.srs_log_size} powers: {path}",
              file=sys.stderr, flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        Srs.generate(path, args.srs_log_size)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python benchmarks/succinct.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", required=True,
                        help="cases (names or globs): " + ", ".join(c.name for c in CASES))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--srs", type=Path, metavar="FILE.ptau")
    parser.add_argument("--srs-log-size", type=int, default=22, metavar="K")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--timeout", type=float, default=3600.0, metavar="S",
                        help="per (model, engine) limit")
    parser.add_argument("--update-md", type=Path, metavar="FILE.md")
    parser.add_argument("--max-segment-nnz", type=int, metavar="N",
                        help="segment budget for every case (default: each engine's own); "
                        "trades prover memory against segments, so proof size")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ENGINES for e in engines):
        raise SystemExit(f"error: --engines takes {', '.join(ENGINES)}")
    args.out = args.out.resolve()
    cases = select_cases("full", args.only)
    srs = _srs(args) if "bn254" in engines else None
    meta = {"date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "command": shlex.join(["python", "benchmarks/succinct.py", *argv]),
            "machine": machine_info(), "srs": str(srs) if srs else None}
    records: list[dict[str, Any]] = []
    results = args.out / "results_succinct.json"
    pairs = [(c, e) for c in cases for e in engines]
    for index, (case, engine) in enumerate(pairs, 1):
        label = f"[{index}/{len(pairs)}] {case.name}/{engine}:"
        records.append(run_case(case, engine, srs, args.timeout, label, args.max_segment_nnz))
        r = records[-1]
        if r["status"] == "ok":
            print(f"{label} ok: prove {r['prove_s']:.1f}s, key {_kib(r['verifier_key_bytes'])}"
                  f" KiB, proof {_kib(r['proof_bytes'])} KiB, verify_s {r['verify_s']:.3f}, "
                  f"wall {r['verify_wall_s']:.2f}s", file=sys.stderr, flush=True)
        write_results(results, meta, records)
    section = markdown(meta, records)
    print(section)
    if args.update_md:
        update_markdown(args.update_md, section)
    return 0 if all(r["status"] == "ok" for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
