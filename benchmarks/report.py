"""Reporting for ``benchmarks/run.py``: the machine, ``results.json`` and the Markdown table.

Kept apart from the runner so that a table can be rebuilt from a saved ``results.json``
(``data = json.load(...)``, then ``markdown_section(data, data["results"])``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MARK_START = "<!-- results:start -->"
MARK_END = "<!-- results:end -->"
MODES = ("public", "private")
#: The flat-memory check: (reference case, deep case, tolerance on prove peak RSS).
RSS_CHECK = ("w16-d16", "w16-d512", 0.10)


def machine_info() -> dict[str, Any]:
    """The machine and software the run used."""
    import numpy

    import folding

    processor = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip() or processor
                break
    except OSError:
        pass
    mem_kib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        from folding import _native

        nova = str(_native.NOVA_SNARK_VERSION)
    except (ImportError, AttributeError):
        nova = None
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10,
                                check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "processor": processor or platform.machine(),
        "platform_processor": platform.processor(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "mem_total_gib": round(mem_kib / 1024**2, 1) if mem_kib else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "folding": folding.__version__,
        "nova_snark": nova,
        "git_commit": commit or None,
    }


def write_results(path: Path, meta: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Writes ``results.json`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({**meta, "results": records}, indent=1, default=str) + "\n")
    tmp.replace(path)


def _num(value: Any, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def _table_row(r: dict[str, Any]) -> list[str]:
    ok = r.get("status") == "ok"
    lps = r.get("layers_per_step") or []
    native = "—"
    if r.get("native_float_ms") is not None and r.get("native_int_ms") is not None:
        native = f"{r['native_float_ms']:.3g} / {r['native_int_ms']:.3g}"
    top1 = r.get("top1_agreement")
    return [
        r["case"], r["mode"] if ok else f"{r['mode']} ({r.get('status')})",
        _num(r.get("params"), ","), _num(r.get("layers"), "d"),
        _num(r.get("num_segments"), "d"), _num(r.get("steps"), "d"),
        ",".join(str(v) for v in lps) or "—",
        _num(r.get("max_constraints_per_step"), ","),
        _num(r.get("compile_s"), ".2f"), _num(r.get("prove_s"), ".2f"),
        _num(r.get("witness_s"), ".2g"), _num(r.get("fold_s"), ".2f"),
        _num(r.get("compress_s"), ".2f"), _num(r.get("prove_peak_rss_mib"), ".0f"),
        _num(r["proof_bytes"] / 1024 if r.get("proof_bytes") else None, ".1f"),
        _num(r.get("verify_ms"), ".0f"), _num(r.get("verify_warm_ms"), ".0f"), native,
        "—" if top1 is None else f"{top1:.1%}", _num(r.get("max_abs_logit_error"), ".3g"),
    ]


HEADER = ["model", "mode", "params", "layers", "segments", "steps", "layers/step",
          "max constraints/step", "compile (setup) s", "prove s", "witness s", "fold s",
          "compress s", "peak RSS MiB (prove)", "proof KiB", "verify ms", "verify warm ms",
          "native ms (float / int)", "top-1 agreement", "max logit error"]


def _markdown_table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def rss_check_lines(records: list[dict[str, Any]]) -> list[str]:
    """The flat-memory check: prove peak RSS at depth 512 within 10% of depth 16 (width 16)."""
    ref_name, deep_name, tol = RSS_CHECK
    lines = []
    for mode in MODES:
        found = {r["case"]: r for r in records if r["mode"] == mode and r.get("status") == "ok"
                 and r.get("prove_peak_rss_mib")}
        if ref_name in found and deep_name in found:
            ref = found[ref_name]["prove_peak_rss_mib"]
            deep = found[deep_name]["prove_peak_rss_mib"]
            change = deep / ref - 1.0
            verdict = "PASS" if abs(change) <= tol else "FAIL"
            lines.append(
                f"- Peak RSS at depth 512 within {tol:.0%} of depth 16 (width 16, {mode}): "
                f"**{verdict}**: {deep:.0f} MiB ({deep_name}) vs {ref:.0f} MiB ({ref_name}), "
                f"{change:+.1%}.")
    return lines


def markdown_section(meta: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """The text between the markers: machine, command, table, checks, failures."""
    m = meta["machine"]
    lines = [
        f"Machine: {m['processor']}, {m['cpu_count']} logical CPUs, "
        f"{m['mem_total_gib']} GiB RAM; {m['os']}; Python {m['python']}, "
        f"folding {m['folding']}, nova-snark {m['nova_snark']}"
        + (f", commit {m['git_commit']}" if m.get("git_commit") else "") + ".",
        "",
        f"Run {meta['date']}:",
        "",
        "```bash",
        meta["command"],
        "```",
        "",
        *_markdown_table(HEADER, (_table_row(r) for r in records)),
        "",
        "Times are wall-clock seconds of one run. *compile (setup)*: `folding.compile` from "
        "ONNX bytes (import, quantization, planning, public-parameter and key setup"
        + (", parameters already cached" if any(r.get("warm_cache") for r in records)
           else ", with an empty parameter cache") + "). *prove*: `folding.prove` end to end; "
        "*witness*, *fold*, *compress* are its parts (the rest is loading the cached "
        "parameters and keys). *peak RSS (prove)*: `ru_maxrss` of the process that loads "
        "the compiled model and proves. *verify*: median of 3. *native*: one forward pass of "
        "the float model / the integer reference (NumPy). *top-1 agreement* and *max logit "
        "error*: quantized vs float model on the calibration samples.",
    ]
    checks = rss_check_lines(records)
    if checks:
        lines += ["", *checks]
    cli = [r for r in records if r.get("cli")]
    if cli:
        lines += ["", ("Through the command line (`python -m folding ...`, one process per "
                       "command; wall s / peak RSS MiB):"), ""]

        def cell(c: dict[str, Any], step: str) -> str:
            e = c.get(step)
            return "—" if not e else f"{e['wall_s']:.2f} / {e['peak_rss_mib']:.0f}"

        rows = [[r["case"], r["mode"], cell(r["cli"], "compile"), cell(r["cli"], "prove"),
                 cell(r["cli"], "verify"),
                 _num((r["cli"].get("prove") or {}).get("proof_bytes", 0) / 1024 or None,
                      ".1f"), r["cli"].get("error") or "ok"] for r in cli]
        lines += _markdown_table(["model", "mode", "compile", "prove", "verify", "proof KiB",
                                  "status"], rows)
    lines += ezkl_lines(records)
    failed = [r for r in records if r.get("status") != "ok"]
    if failed:
        lines += ["", "Failed cases:", ""]
        lines += [f"- {r['case']} / {r['mode']}: {r.get('error')}" for r in failed]
    return "\n".join(lines)


def ezkl_lines(records: list[dict[str, Any]]) -> list[str]:
    """EZKL beside us on the same ONNX and input, measured in the same run, with ratios."""
    rows = []
    for r in records:
        e = r.get("ezkl")
        if not e:
            continue
        if e.get("status") != "ok":
            rows.append([r["case"], "EZKL " + str(e.get("version")), "—", "—", "—", "—", "—",
                         str(e.get("status")) + ": " + str(e.get("error"))[:80]])
            continue
        ours_setup = r.get("compile_s")
        ezkl_setup = sum(e.get(k) or 0.0 for k in ("settings_s", "compile_s", "srs_s", "setup_s"))

        def ratio(theirs: float | None, ours: float | None) -> str:
            return f"{theirs / ours:.1f}x" if theirs and ours else "—"

        rows.append([r["case"], "folding", _num(ours_setup, ".1f"), _num(r.get("prove_s"), ".1f"),
                     _num(r.get("prove_peak_rss_mib"), ".0f"), _num(r.get("proof_bytes"), ".0f"),
                     _num(r.get("verify_ms"), ".0f"), "ok"])
        rows.append([r["case"], f"EZKL {e['version']} (logrows {e.get('logrows')})",
                     _num(ezkl_setup, ".1f"), _num(e.get("prove_s"), ".1f"),
                     _num(e.get("prove_peak_rss_mib"), ".0f"), _num(e.get("proof_bytes"), ".0f"),
                     _num(e.get("verify_ms"), ".0f"), "ok"])
        rows.append([r["case"], "EZKL / folding", ratio(ezkl_setup, ours_setup),
                     ratio(e.get("prove_s"), r.get("prove_s")),
                     ratio(e.get("prove_peak_rss_mib"), r.get("prove_peak_rss_mib")),
                     ratio(e.get("proof_bytes"), r.get("proof_bytes")),
                     ratio(e.get("verify_ms"), r.get("verify_ms")), ""])
    if not rows:
        return []
    return ["", ("Side by side with EZKL on the same ONNX file and input, in the same run "
                 "(EZKL: public input, output and parameters, KZG with an SRS made locally by "
                 "`gen_srs`, settings calibrated for resources; *one-time setup* is settings + "
                 "calibration + circuit compile + SRS + key generation; *prove* and its peak "
                 "RSS are the prove phase's own process):"), "",
            *_markdown_table(["model", "prover", "one-time setup s", "prove s",
                              "peak RSS MiB (prove)", "proof bytes", "verify ms", "status"],
                             rows)]


INTRO = """# Benchmarks

Proving cost of `folding` on the public suites of DESIGN section 9: the depth suite of
"The Cost of Intelligence" (Modulus Labs, 2023), narrow deep MLPs (width 16 and 64), and an
MNIST MLP 784->256->256->10. Each (model, mode) case runs in fresh processes with an empty
public-parameter cache; see [`benchmarks/README.md`](benchmarks/README.md) for the method and
`results.json` for every number.

"""


def update_markdown(path: Path, section: str) -> None:
    """Rewrites the marked section of ``path`` (creating the file, or appending the markers)."""
    block = f"{MARK_START}\n{section}\n{MARK_END}"
    text = path.read_text() if path.exists() else INTRO + block + "\n"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        text = head + block + tail
    elif block not in text:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
