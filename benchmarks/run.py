"""Benchmarks of ``folding``: prove time and its parts, peak memory, proof size, verify time.

One command runs a suite of models (DESIGN section 9) and writes ``<out>/results.json``, and
with ``--update-md`` a Markdown table into a marked section of ``BENCHMARKS.md``::

    python benchmarks/run.py --suite quick
    python benchmarks/run.py --suite full --update-md BENCHMARKS.md
    python benchmarks/run.py --only w16-d16 w16-d512 --modes public --merge

Every (model, mode) case runs in fresh subprocesses with a fresh, empty public-parameter
cache (unless ``--warm-cache``), so that the one-time setup is paid in full and peak RSS
belongs to that case alone: a *compile* child (write the ONNX to disk, ``folding.compile``,
native inference) and then a *prove* child (load the compiled model, ``folding.prove``,
``folding.verify``). Each child reports its own ``getrusage(RUSAGE_SELF).ru_maxrss``, so the
prove column is the prover's peak, not the compiler's. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import fnmatch
import json
import os
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure this checkout, wherever the command runs from
    sys.path.insert(0, str(REPO))

from benchmarks.report import (  # needs REPO on sys.path
    MODES,
    machine_info,
    markdown_section,
    update_markdown,
    write_results,
)

SCHEMA = 1
SEED = 0
SUITES = ("quick", "full", "cnn")


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One benchmark model.

    Attributes:
        name: Short id used by ``--only`` and in the results (``w16-d512``).
        family: ``depth-suite``, ``narrow`` or ``mnist``.
        description: The architecture in words.
        suites: The suites that include it.
        acceptance: Whether ``--cli`` also runs it through the command line by default.
        builder: ``folding.testing`` function name and its keyword arguments.
        quantization: Keyword arguments for quantization (``weight_bits``, ``act_bits``)
            where the defaults lose accuracy.
    """

    name: str
    family: str
    description: str
    suites: tuple[str, ...]
    acceptance: bool
    builder: tuple[str, dict[str, int]]
    quantization: tuple[tuple[str, int], ...] = ()

    def onnx(self) -> bytes:
        """Builds the model (deterministic in :data:`SEED`)."""
        from folding import testing

        name, kwargs = self.builder
        return bytes(getattr(testing, name)(**kwargs, seed=SEED))


def _cases() -> list[Case]:
    cases: list[Case] = []
    for width in (16, 64):
        for depth in (4, 16, 64, 256, 512):
            quick = width == 16 and depth in (4, 16)
            cases.append(Case(
                f"w{width}-d{depth}", "narrow", f"{depth} dense layers of width {width}",
                ("quick", "full") if quick else ("full",),
                acceptance=width == 16 and depth in (16, 512),
                builder=("narrow_mlp_onnx", {"width": width, "depth": depth})))
    cases.append(Case("mnist-mlp", "mnist", "784->256->256->10", ("quick", "full"),
                      acceptance=True, builder=("mnist_mlp_onnx", {})))
    for depth in (50, 100, 250, 500):
        cases.append(Case(
            f"depth-{depth}", "depth-suite",
            f"The Cost of Intelligence depth suite, {depth} layers",
            ("quick", "full") if depth == 50 else ("full",),
            acceptance=depth in (50, 500),
            builder=("depth_suite_onnx", {"depth": depth})))
    cases += [
        Case("lenet5", "cnn", "LeNet-5 on 28x28, trained here on scikit-learn's digits",
             ("cnn", "full"), acceptance=True, builder=("trained_lenet5_onnx", {})),
        # Near-identity kernels: their small off-centre weights need more than 8 bits, or the
        # error of 510 layers adds up (top-1 agreement 50% at 8 bits, 99.7% at 16).
        Case("zator-512", "cnn", "Zator's CNN: conv 1->2, 510 conv 2->2 3x3 on 28x28, "
             "linear 1568->10", ("cnn", "full"), acceptance=True,
             builder=("zator_onnx", {"depth": 512}), quantization=(("weight_bits", 16),)),
        Case("iris-resnet", "cnn", "ResNet-style iris stand-in: 52 layers, 1.76M parameters, "
             "64x64 input", ("cnn", "full"), acceptance=True,
             builder=("iris_resnet_onnx", {})),
    ]
    return cases


CASES = _cases()
CASES_BY_NAME = {c.name: c for c in CASES}


def select_cases(suite: str, only: Sequence[str] | None) -> list[Case]:
    """The cases of ``suite``, or those named (or matched by a glob) in ``only`` (any suite).

    Raises:
        SystemExit: If a name in ``only`` matches no case.
    """
    if not only:
        return [c for c in CASES if suite in c.suites]
    chosen: list[Case] = []
    for pattern in only:
        matched = [c for c in CASES if fnmatch.fnmatchcase(c.name, pattern)]
        if not matched:
            raise SystemExit(f"error: no case matches {pattern!r}; known: "
                             + ", ".join(c.name for c in CASES))
        chosen += [c for c in matched if c not in chosen]
    return sorted(chosen, key=CASES.index)


# --------------------------------------------------------------------------------------------
# Measurement helpers (used by the children)
# --------------------------------------------------------------------------------------------


def _rss_mib(kib_or_bytes: float) -> float:
    """``ru_maxrss`` in MiB (kilobytes on Linux, bytes on macOS)."""
    return kib_or_bytes / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _self_peak_mib() -> float:
    return _rss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _median_ms(fn: Callable[[], Any], *, min_runs: int = 3, max_runs: int = 200,
               min_total_s: float = 0.2) -> float:
    """Median wall time of ``fn`` in ms over at least ``min_runs`` calls (more when fast)."""
    times: list[float] = []
    begin = time.perf_counter()
    while len(times) < min_runs or (len(times) < max_runs
                                    and time.perf_counter() - begin < min_total_s):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def _log(prefix: str, message: str) -> None:
    print(f"{prefix}{message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Children: each runs in its own process and writes one JSON object
# --------------------------------------------------------------------------------------------


def _child_compile(case: Case, private: bool, work: Path, cache: str | None,
                   out: dict[str, Any], layers_per_step: int | None = None) -> None:
    """Writes the ONNX, compiles it, times native inference; leaves model.fold, x.npy."""
    import numpy as np

    import folding
    from folding.errors import RangeError
    from folding.onnx_import import load_onnx
    from folding.quantize import default_calibration, quantize
    from folding.reference import predict_int

    onnx_path = work / "model.onnx"
    onnx_path.write_bytes(case.onnx())
    data = onnx_path.read_bytes()
    out["onnx_bytes"] = len(data)

    start = time.perf_counter()
    float_model = load_onnx(data, base_dir=work)
    out["import_s"] = time.perf_counter() - start
    out["params"] = float_model.num_parameters
    out["layers"] = len(float_model.layers)
    out["input_dim"], out["output_dim"] = float_model.input_dim, float_model.output_dim
    calibration, held_out = _case_data(case, float_model.input_dim)
    start = time.perf_counter()
    settings = dict(case.quantization)
    quantize(float_model, calibration, **settings)  # informational: compile below repeats it
    out["quantize_s"] = time.perf_counter() - start
    out["rss_before_compile_mib"] = _self_peak_mib()

    _log("    ", "compile: import, quantize, plan, key setup")
    start = time.perf_counter()
    compiled = folding.compile(data, private_weights=private, base_dir=work, cache_dir=cache,
                               layers_per_step=layers_per_step, calibration=calibration,
                               **settings)
    out["compile_s"] = time.perf_counter() - start
    out["compile_peak_rss_mib"] = _self_peak_mib()
    out["plan"] = [
        {"first_layer": int(s["first_layer"]), "num_steps": int(s["num_steps"]),
         "layers_per_step": int(s["layers_per_step"]),
         "estimated_constraints": int(s["estimated_constraints"])}
        for s in compiled.plan()
    ]
    report = compiled.quantized.report
    if report is not None:
        out["top1_agreement"] = report.top1_agreement
        out["max_abs_logit_error"] = report.max_abs_logit_error
        out["mean_abs_logit_error"] = report.mean_abs_logit_error
        out["max_abs_logit"] = report.max_abs_logit
        out["calibration_samples"] = report.samples
    out["quant_settings"] = compiled.quantized.settings.to_dict()
    if held_out is not None:
        out["fidelity"] = _fidelity(float_model, compiled.quantized, *held_out)
    blob = compiled.to_bytes()
    (work / "model.fold").write_bytes(blob)
    vk_blob = compiled.verifier_key.to_bytes()
    (work / "model.vk").write_bytes(vk_blob)
    out["model_artefact_bytes"], out["verifier_key_bytes"] = len(blob), len(vk_blob)

    # A fresh seeded input (a held-out image for the CNNs); the first calibration sample if
    # that one leaves the range.
    q = compiled.quantized
    x = np.random.default_rng([SEED, 1]).standard_normal(q.input_dim)
    out["input"] = "seeded normal"
    if held_out is not None:
        x, out["input"] = held_out[0][0], "held-out sample 0"
    try:
        x_q = q.quantize_input(x)
        predict_int(q, x_q)
    except RangeError:
        x = default_calibration(q.input_dim)[0]
        x_q = q.quantize_input(x)
        out["input"] = "calibration sample 0"
    np.save(work / "x.npy", x)
    (work / "x.json").write_text(json.dumps({"input": [float(v) for v in x]}))
    out["native_float_ms"] = _median_ms(lambda: float_model.forward(x))
    out["native_int_ms"] = _median_ms(lambda: predict_int(q, x_q))
    out["compile_child_peak_rss_mib"] = _self_peak_mib()


#: Held-out inputs for the fidelity of the CNN cases ("a few hundred").
FIDELITY_SAMPLES = 300


def _case_data(case: Case, input_dim: int) -> tuple[Any, tuple[Any, Any] | None]:
    """Calibration inputs (``None``: the bundled default) and held-out ``(x, labels)``
    (labels ``None`` when the model is untrained) for the CNN cases; ``(None, None)`` for
    the others."""
    import numpy as np

    if case.family != "cnn":
        return None, None
    if case.name == "lenet5":
        from folding.testing.train import digits_28x28

        x, y = digits_28x28()
        order = np.random.default_rng(SEED).permutation(len(x))
        return x[order[:64]], (x[order[1400:]], y[order[1400:]])
    rng = np.random.default_rng([SEED, 2])
    # Pixel-like inputs: uniform in [0, 1] (the untrained networks have no data of their own).
    raw = rng.uniform(0.0, 1.0, (64 + FIDELITY_SAMPLES, input_dim))
    return raw[:64], (raw[64:], None)


def _fidelity(float_model: Any, q: Any, x: Any, labels: Any) -> dict[str, Any]:
    """Top-1 agreement of the quantized model with the float model on held-out inputs, and
    accuracy of both when there are labels."""
    import numpy as np

    from folding.reference import predict_int

    floats = float_model.forward(x)
    ints = q.dequantize_output(predict_int(q, q.quantize_input(x)))
    result: dict[str, Any] = {
        "samples": len(x),
        "top1_agreement": float((floats.argmax(axis=1) == ints.argmax(axis=1)).mean()),
        "max_abs_logit_error": float(np.abs(floats - ints).max()),
        "max_abs_logit": float(np.abs(floats).max()),
    }
    if labels is not None:
        result["float_accuracy"] = float((floats.argmax(axis=1) == labels).mean())
        result["quantized_accuracy"] = float((ints.argmax(axis=1) == labels).mean())
    return result


def _child_prove(work: Path, cache: str | None, out: dict[str, Any]) -> None:
    """Loads model.fold, proves x.npy, verifies (median of 3)."""
    import numpy as np

    import folding
    from folding.api import CompiledModel, VerifierKey

    start = time.perf_counter()
    compiled = CompiledModel.from_bytes((work / "model.fold").read_bytes())
    compiled.native()  # built here rather than inside prove(), so prove_s excludes it
    out["load_s"] = time.perf_counter() - start
    x = np.load(work / "x.npy")
    out["prove_base_rss_mib"] = _self_peak_mib()

    last = {"stage": "", "t": 0.0}

    def progress(info: Any) -> None:
        now = time.monotonic()
        if info.stage != last["stage"] or now - last["t"] >= 30:
            _log("    ", f"prove: {info.stage} segment {min(info.segment + 1, info.segments)}"
                 f"/{info.segments} step {info.steps_done}/{info.total_steps} "
                 f"{info.elapsed_s:.1f}s")
            last.update(stage=info.stage, t=now)

    start = time.perf_counter()
    proof = folding.prove(compiled, x, cache_dir=cache, progress=progress, poll_interval=0.5)
    out["prove_s"] = time.perf_counter() - start
    out["prove_peak_rss_mib"] = _self_peak_mib()
    # read only now, so that the prover's peak is what `folding prove` holds: the verifier
    # key is no input of the prover
    vk_bytes = (work / "model.vk").read_bytes()
    stats = proof.stats
    for key in ("setup_s", "witness_s", "fold_s", "compress_s"):
        out[key] = float(stats[key]) if key in stats else None
    out["segment_stats"] = [
        {"steps": int(s["steps"]), "constraints_per_step": int(s["constraints"]),
         "vars_per_step": int(s["variables"]), "fold_s": float(s["fold_s"]),
         "compress_s": float(s["compress_s"])}
        for s in stats.get("segments", [])
    ]
    out["cached_segments"] = int(stats.get("cached_segments", 0))
    proof_bytes = proof.to_bytes()
    out["proof_bytes"] = len(proof_bytes)

    _log("    ", "verify: 3 cold runs, 3 warm")
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        verified = folding.verify(proof_bytes, vk_bytes)
        runs.append(1000.0 * (time.perf_counter() - start))
    if list(verified.output) != list(proof.output):
        raise RuntimeError("verify returned another output than the proof states")
    out["verify_runs_ms"] = runs
    out["verify_ms"] = statistics.median(runs)
    # Warm: one key object decodes its segment keys on first use and keeps them.
    key = VerifierKey.from_bytes(vk_bytes)
    folding.verify(proof_bytes, key)
    warm = []
    for _ in range(3):
        start = time.perf_counter()
        folding.verify(proof_bytes, key)
        warm.append(1000.0 * (time.perf_counter() - start))
    out["verify_warm_ms"] = statistics.median(warm)
    out["prove_child_peak_rss_mib"] = _self_peak_mib()


def child_main(argv: Sequence[str]) -> int:
    """Entry of a child process: ``--child {compile,prove} CASE MODE WORKDIR CACHE LPS``
    (LPS: layers per step, ``-`` for the planner's choice)."""
    phase, name, mode, workdir, cache, lps = argv
    out: dict[str, Any] = {"phase": phase, "pid": os.getpid()}
    work = Path(workdir)
    code = 0
    try:
        if phase == "compile":
            _child_compile(CASES_BY_NAME[name], mode == "private", work,
                           None if cache == "-" else cache, out,
                           None if lps == "-" else int(lps))
        else:
            _child_prove(work, None if cache == "-" else cache, out)
    except BaseException as exc:  # noqa: BLE001 - every failure is a result to record
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()
        _log("    ", f"{phase} failed: {out['error']}")
        code = 1
    (work / f"{phase}.json").write_text(json.dumps(out, indent=1, default=str))
    return code


# --------------------------------------------------------------------------------------------
# Running children (per-child peak RSS from wait4, a timeout, prefixed live output)
# --------------------------------------------------------------------------------------------


@dataclass
class ChildResult:
    """How a child process ended."""

    rc: int
    wall_s: float
    peak_rss_mib: float
    timed_out: bool
    tail: list[str]


def run_child(cmd: Sequence[str], timeout_s: float, *, env: dict[str, str] | None = None,
              stdout_path: Path | None = None, cwd: Path | None = None,
              prefix: str = "    | ") -> ChildResult:
    """Runs ``cmd`` in its own session; stderr (and stdout unless ``stdout_path``) is echoed
    to our stderr with ``prefix``. The child's peak RSS comes from ``wait4``, which reports
    that child alone (``RUSAGE_CHILDREN`` would be the maximum over all children so far)."""
    # Either stdout goes to a file and stderr is echoed, or both are echoed together.
    stdout: Any = open(stdout_path, "wb") if stdout_path else subprocess.PIPE  # noqa: SIM115
    stderr: Any = subprocess.PIPE if stdout_path else subprocess.STDOUT
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=stdout,
                            stderr=stderr, env=env, cwd=cwd, start_new_session=True)
    tail: list[str] = []
    stream = proc.stderr if stdout_path else proc.stdout

    def pump() -> None:
        assert stream is not None
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            tail.append(line)
            del tail[:-40]
            print(prefix + line, file=sys.stderr, flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(max(timeout_s, 1.0), kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # interrupted: leave no child behind
        kill()
        proc.wait()
        raise
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # we reaped it; tell Popen
    reader.join(5)
    if stdout_path:
        stdout.close()
    return ChildResult(rc=proc.returncode, wall_s=time.perf_counter() - start,
                       peak_rss_mib=_rss_mib(usage.ru_maxrss), timed_out=fired.is_set(),
                       tail=tail)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _failure(child: ChildResult, phase: str, timeout_s: float) -> str:
    if child.timed_out:
        return f"timeout after {timeout_s:.0f} s ({phase})"
    if child.rc < 0:
        return f"{phase} killed by signal {-child.rc} (out of memory?)"
    last = next((line for line in reversed(child.tail) if line.strip()), "")
    return f"{phase} exited with {child.rc}: {last[-300:]}"


# --------------------------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------------------------


def run_case(case: Case, mode: str, args: argparse.Namespace, label: str) -> dict[str, Any]:
    """Runs one (model, mode) case in fresh children and returns its record."""
    record: dict[str, Any] = {
        "case": case.name, "mode": mode, "family": case.family,
        "description": case.description, "status": "ok", "error": None,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "warm_cache": bool(args.warm_cache),
        "layers_per_step_requested": args.layers_per_step,
    }
    work = Path(tempfile.mkdtemp(prefix=f"folding-bench-{case.name}-{mode}-"))
    cache = str(args.cache_dir) if args.warm_cache else str(work / "params")
    if args.keep:
        record["workdir"] = str(work)
    deadline = time.monotonic() + args.timeout
    env = _child_env()
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    started = time.perf_counter()
    try:
        for phase in ("compile", "prove"):
            budget = deadline - time.monotonic()
            if budget <= 0:
                record.update(status="timeout",
                              error=f"timeout after {args.timeout:.0f} s (before {phase})")
                break
            _log("", f"{label} {phase} ...")
            lps = "-" if args.layers_per_step is None else str(args.layers_per_step)
            child = run_child([*me, phase, case.name, mode, str(work), cache, lps], budget,
                              env=env)
            record[f"{phase}_child_wall_s"] = child.wall_s
            record[f"{phase}_child_maxrss_mib"] = child.peak_rss_mib
            result_path = work / f"{phase}.json"
            if result_path.exists():
                data = json.loads(result_path.read_text())
                data.pop("phase", None)
                data.pop("pid", None)
                error, trace = data.pop("error", None), data.pop("traceback", None)
                record.update(data)
                if error:
                    record.update(status="error", error=f"{phase}: {error}", traceback=trace)
                    break
            if child.rc != 0 or child.timed_out:
                status = "timeout" if child.timed_out else "error"
                record.update(status=status, error=_failure(child, phase, args.timeout),
                              stderr_tail=child.tail[-20:])
                break
        if record["status"] == "ok" and (args.cli_all or (args.cli and case.acceptance)):
            record["cli"] = run_cli(case, mode, work, args, label, env)
        if record["status"] == "ok" and args.ezkl and mode == "public":
            record["ezkl"] = run_ezkl_case(work, deadline, label)
    finally:
        record["wall_s"] = time.perf_counter() - started
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    _derive(record)
    return record


def run_ezkl_case(work: Path, deadline: float, label: str) -> dict[str, Any]:
    """EZKL on the same model.onnx and input in the same run (one child per phase; see
    benchmarks/ezkl_runner.py), with ratios to our figures added by the report."""
    from benchmarks.ezkl_runner import run_ezkl

    _log("", f"{label} ezkl ...")
    x = json.loads((work / "x.json").read_text())["input"]
    budget = max(1.0, deadline - time.monotonic())
    return run_ezkl(work / "model.onnx", [float(v) for v in x], work / "ezkl", budget)


def _derive(record: dict[str, Any]) -> None:
    """Adds the summary fields the table shows (segments, steps, layers/step, ...)."""
    plan = record.get("plan") or []
    stats = record.get("segment_stats") or []
    if plan:
        record["num_segments"] = len(plan)
        record["steps"] = sum(s["num_steps"] for s in plan)
        record["layers_per_step"] = sorted({s["layers_per_step"] for s in plan})
    if stats:
        record["num_segments"] = len(stats)
        record["steps"] = sum(s["steps"] for s in stats)
        record["max_constraints_per_step"] = max(s["constraints_per_step"] for s in stats)
        record["total_constraints"] = sum(s["steps"] * s["constraints_per_step"] for s in stats)
    elif plan:
        record["max_estimated_constraints_per_step"] = max(
            s["estimated_constraints"] for s in plan)


def run_cli(case: Case, mode: str, work: Path, args: argparse.Namespace, label: str,
            env: dict[str, str]) -> dict[str, Any]:
    """Runs ``folding compile/prove/verify`` as subprocesses on the case's files."""
    cache = str(args.cache_dir) if args.warm_cache else str(work / "params-cli")
    folding_cmd = [sys.executable, "-m", "folding"]
    steps = {
        "compile": ["compile", "model.onnx", "-o", "cli.fold", "--vk-out", "cli.vk",
                    "--cache-dir", cache, "--json"]
                   + (["--private-weights"] if mode == "private" else [])
                   + [arg for key, value in case.quantization
                      for arg in (f"--{key.replace('_', '-')}", str(value))],
        "prove": ["prove", "cli.fold", "--input", "x.json", "-o", "cli.proof",
                  "--cache-dir", cache, "--no-progress", "--json"],
        "verify": ["verify", "cli.proof", "--vk", "cli.vk", "--json"],
    }
    result: dict[str, Any] = {"status": "ok", "error": None}
    deadline = time.monotonic() + args.timeout
    for name, argv in steps.items():
        _log("", f"{label} cli {name} ...")
        out_path = work / f"cli-{name}.json"
        if deadline - time.monotonic() <= 0:
            result.update(status="timeout", error=f"timeout after {args.timeout:.0f} s "
                          f"(before cli {name})")
            break
        child = run_child([*folding_cmd, *argv], deadline - time.monotonic(), env=env,
                          stdout_path=out_path, cwd=work)
        entry: dict[str, Any] = {"rc": child.rc, "wall_s": child.wall_s,
                                 "peak_rss_mib": child.peak_rss_mib}
        try:
            summary = json.loads(out_path.read_text())
        except (OSError, ValueError):
            summary = {}
        for key in ("compile_s", "prove_s", "verify_s", "proof_bytes", "output_bytes",
                    "valid", "setup_s", "witness_s", "fold_s", "compress_s"):
            if key in summary:
                entry[key] = summary[key]
        result[name] = entry
        if child.rc != 0 or child.timed_out:
            result.update(status="timeout" if child.timed_out else "error",
                          error=_failure(child, f"cli {name}", args.timeout))
            break
    return result


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The benchmark runner's options."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="cases: " + ", ".join(f"{c.name} ({'/'.join(c.suites)})" for c in CASES))
    parser.add_argument("--suite", choices=SUITES, default="quick",
                        help="which cases to run (default: quick)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="run only these cases (names or globs, from any suite)")
    parser.add_argument("--modes", default="public,private",
                        help="comma-separated: public, private (default: both)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out",
                        help="results directory (default: benchmarks/out)")
    parser.add_argument("--update-md", type=Path, metavar="FILE.md",
                        help="rewrite the results section of this Markdown file")
    parser.add_argument("--merge", action="store_true",
                        help="keep records of other cases from an existing results.json")
    parser.add_argument("--timeout", type=float, default=1800.0, metavar="S",
                        help="per-case limit in seconds (default: 1800)")
    parser.add_argument("--warm-cache", action="store_true",
                        help="share one parameter cache (--cache-dir) instead of a fresh one "
                             "per case")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="the shared cache for --warm-cache (default: <out>/params-cache)")
    parser.add_argument("--cli", action="store_true",
                        help="also run the acceptance cases through the folding CLI")
    parser.add_argument("--cli-all", action="store_true",
                        help="also run every selected case through the folding CLI")
    parser.add_argument("--keep", action="store_true",
                        help="keep each case's work directory (ONNX, model, proof, cache)")
    parser.add_argument("--ezkl", action="store_true",
                        help="also run EZKL (PyPI ezkl, local SRS) on the same ONNX and input "
                             "(public mode), in the same run")
    parser.add_argument("--layers-per-step", type=int, default=None, metavar="K",
                        help="fold K layers per step in every case (default: the planner's "
                             "cost model); for comparisons at one step size")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmarks; returns 0 when every case succeeded, 1 otherwise."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child_main(argv[1:])
    args = build_parser().parse_args(argv)
    cases = select_cases(args.suite, args.only)
    if args.list:
        for c in CASES:
            mark = "*" if c in cases else " "
            print(f"{mark} {c.name:<10} {'/'.join(c.suites):<10} "
                  f"{'acceptance' if c.acceptance else '':<10} {c.description}")
        return 0
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise SystemExit(f"error: --modes takes public and/or private, got {args.modes!r}")
    args.out = args.out.resolve()
    if args.warm_cache and args.cache_dir is None:
        args.cache_dir = args.out / "params-cache"
    if args.cache_dir is not None:
        args.cache_dir = args.cache_dir.resolve()

    meta = {
        "schema": SCHEMA,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", "benchmarks/run.py", *argv]),
        "suite": args.suite, "modes": modes, "machine": machine_info(),
    }
    results_path = args.out / "results.json"
    keep: list[dict[str, Any]] = []
    ran = {(c.name, m) for c in cases for m in modes}
    if args.merge and results_path.exists():
        old = json.loads(results_path.read_text()).get("results", [])
        keep = [r for r in old if (r.get("case"), r.get("mode")) not in ran]
    m = meta["machine"]
    _log("", f"folding benchmarks: {len(cases)} model(s) x {len(modes)} mode(s) on "
         f"{m['processor']} ({m['cpu_count']} CPUs, {m['mem_total_gib']} GiB); "
         f"results -> {results_path}")

    records: list[dict[str, Any]] = []
    total = len(cases) * len(modes)
    try:
        for index, (case, mode) in enumerate(((c, m) for c in cases for m in modes), 1):
            label = f"[{index}/{total}] {case.name}/{mode}:"
            record = run_case(case, mode, args, label)
            records.append(record)
            if record["status"] == "ok":
                _log("", f"{label} ok: compile {record['compile_s']:.1f}s, prove "
                     f"{record['prove_s']:.1f}s, peak RSS {record['prove_peak_rss_mib']:.0f} "
                     f"MiB, proof {record['proof_bytes'] / 1024:.1f} KiB, verify "
                     f"{record['verify_ms']:.0f} ms ({record['wall_s']:.0f}s in all)")
            else:
                _log("", f"{label} {record['status'].upper()}: {record['error']}")
            write_results(results_path, meta, keep + records)
    except KeyboardInterrupt:
        _log("", "interrupted; writing the cases finished so far")
    order = {(c.name, m): i for i, (c, m) in enumerate((c, m) for c in CASES for m in MODES)}
    every = sorted(keep + records, key=lambda r: order.get((r["case"], r["mode"]), 1 << 30))
    write_results(results_path, meta, every)
    section = markdown_section(meta, every)
    if args.update_md is not None:
        update_markdown(args.update_md, section)
        _log("", f"updated {args.update_md}")
    print(section)
    return 0 if all(r["status"] == "ok" for r in records) and len(records) == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
