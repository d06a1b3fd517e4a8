"""Proves every fixture of the import corpus (tests/models) through the CLI, as a user would:
``folding compile`` (default precision, the fixture's calibration samples), ``folding prove``
(its input, in the model's own shape) and ``folding verify --vk`` in fresh processes, each
with its wall time and peak RSS, and whether the proven arg-max equals onnxruntime's.

    python benchmarks/corpus.py [--only GLOB ...] [--out benchmarks/results_corpus.json]

It prints the Markdown table that BENCHMARKS.md's corpus section holds. The CI runs three
fixtures (tests/test_model_corpus.py); this runs them all (about 20 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import machine_info
from benchmarks.run import run_child

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "models"


def _cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "folding", *[str(a) for a in args]]


def run_fixture(name: str, work: Path, timeout_s: float) -> dict[str, Any]:
    """Compiles, proves and verifies one fixture; the record of what happened."""
    meta = json.loads((CORPUS / f"{name}.json").read_text())
    calibration, x = work / "calibration.npy", work / "input.json"
    np.save(calibration, np.asarray(meta["calibration"], dtype=np.float32))
    x.write_text(json.dumps({"input_data": meta["input"]}))
    fold, vk, proof, cache = work / "m.fold", work / "m.vk", work / "p.bin", work / "cache"
    env = {**os.environ, "FOLDING_CACHE_DIR": str(cache)}
    record: dict[str, Any] = {"name": name, "exporter": meta["exporter"]}
    steps = {
        "compile": _cli("compile", CORPUS / f"{name}.onnx", "-o", fold, "--vk-out", vk,
                        "--calibration", calibration, "--json"),
        "prove": _cli("prove", fold, "--input", x, "-o", proof, "--json"),
        "verify": _cli("verify", proof, "--vk", vk, "--json"),
    }
    for step, cmd in steps.items():
        out = work / f"{step}.json"
        child = run_child(cmd, timeout_s, env=env, stdout_path=out, prefix=f"    {step} | ")
        record[f"{step}_s"] = round(child.wall_s, 2)
        record[f"{step}_peak_rss_mib"] = round(child.peak_rss_mib, 1)
        if child.rc != 0:
            record["error"] = f"{step} exited {child.rc}: " + " ".join(child.tail[-3:])[-300:]
            return record
        result = json.loads(out.read_text())
        if step == "compile":
            settings = result["settings"]
            record["bits"] = f"w{settings['weight_bits']}/a{settings['act_bits']}"
            record["layers"] = len(result["layers"])
            record["vk_bytes"] = result["verifier_key_bytes"]
        elif step == "prove":
            record["proof_bytes"] = result["proof_bytes"]
        else:
            record["verify_check_s"] = round(result["verify_s"], 3)
            record["argmax"] = int(np.argmax(result["logits"]))
    record["agrees"] = record["argmax"] == meta["argmax"]
    return record


def table(records: list[dict[str, Any]]) -> str:
    """The Markdown table of BENCHMARKS.md's corpus section."""
    lines = [("| fixture | exporter | layers | bits | compile s | prove s | prove peak MiB "
              "| verify s | proof KB | argmax = ORT |"),
             "|---|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in records:
        if "error" in r:
            lines.append(f"| {r['name']} | {r['exporter']} | | | | | | | | "
                         f"FAILED: {r['error'][:80]} |")
            continue
        lines.append(
            f"| {r['name']} | {r['exporter']} | {r['layers']} | {r['bits']} | "
            f"{r['compile_s']:.1f} | {r['prove_s']:.1f} | {r['prove_peak_rss_mib']:.0f} | "
            f"{r['verify_s']:.2f} | {r['proof_bytes'] / 1000:.1f} | "
            f"{'yes' if r['agrees'] else 'NO'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", metavar="GLOB", help="fixtures to run")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results_corpus.json"))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per command")
    args = parser.parse_args(argv)
    names = sorted(p.stem for p in CORPUS.glob("*.onnx"))
    if args.only:
        names = [n for n in names if any(fnmatch.fnmatch(n, g) for g in args.only)]
    records = []
    started = time.time()
    for name in names:
        print(f"{name} ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
            records.append(run_fixture(name, Path(tmp), args.timeout))
        print(f"  {records[-1]}", file=sys.stderr, flush=True)
    meta = {"machine": machine_info(), "command": " ".join(["python", *sys.argv]),
            "wall_s": round(time.time() - started, 1)}
    args.out.write_text(json.dumps({"meta": meta, "records": records}, indent=1) + "\n")
    print(table(records))
    failed = [r["name"] for r in records if "error" in r or not r.get("agrees")]
    print(f"\n{len(records) - len(failed)}/{len(records)} fixtures proven with "
          f"onnxruntime's arg-max" + (f"; not: {', '.join(failed)}" if failed else ""))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
