"""EZKL baseline: run the whole EZKL (halo2/KZG) pipeline on an ONNX model, phase by phase.

Used side by side with ``benchmarks/run.py`` to compare ``folding`` with EZKL on the same
model and input::

    python benchmarks/ezkl_runner.py MODEL.onnx --input-json x.json --work DIR --timeout 1800

prints one JSON object (see :func:`run_ezkl`). Every phase runs in a fresh child process
(this same file with ``--phase``), so that the parent can read each phase's own peak RSS from
``os.wait4`` and a phase that hangs or runs out of memory can be killed without taking the
parent with it. The phase time is taken inside the child around the one EZKL call, so it
excludes interpreter start-up and ``import ezkl``; the peak RSS does include the interpreter
(about 30-40 MiB), which is small next to the proving key.

Settings are EZKL's defaults apart from what ``calibrate_settings(target="resources")``
tunes: public input, public output, fixed (public) parameters, KZG commitments, and an SRS
made locally by ``gen_srs`` (``get_srs`` would download one; this machine has no network and
a locally made SRS is the same size and cost to use). Calibrated on the narrow MLPs of
``folding.testing.models`` (width 16, input 16) with ezkl 23.0.5 this gave
``input_scale = param_scale = 13``, ``scale_rebase_multiplier = 1``, ``decomp_base = 16384``
(two legs), ``logrows = 15`` at depth 16 (10,232 rows) and ``logrows = 19`` at depth 512
(323,704 rows).

Tested with ezkl 23.0.5, whose Python functions are all synchronous. Some older releases
returned awaitables from a few of them (EZKL's own notebooks ``await`` ``calibrate_settings``,
``gen_witness`` and ``get_srs``); :func:`_call` awaits those, but no older release was tried.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# EZKL's defaults, stated so the results say what was proven (gen_settings writes them too).
VISIBILITY = {"input": "public", "output": "public", "param": "fixed"}
CALIBRATION_TARGET = "resources"
POLL_S = 0.02  # how often the parent looks at a running child; well under any phase's time
LOG_TAIL_CHARS = 2000  # how much of a failed child's log goes into the ``error`` text


# --------------------------------------------------------------------------------------------
# Files of one run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    """The files EZKL reads and writes in one work directory."""

    work: Path

    @property
    def model(self) -> Path:
        return self.work / "network.onnx"

    @property
    def input(self) -> Path:
        return self.work / "input.json"

    @property
    def settings(self) -> Path:
        return self.work / "settings.json"

    @property
    def compiled(self) -> Path:
        return self.work / "network.ezkl"

    @property
    def srs(self) -> Path:
        return self.work / "kzg.srs"

    @property
    def vk(self) -> Path:
        return self.work / "vk.key"

    @property
    def pk(self) -> Path:
        return self.work / "pk.key"

    @property
    def witness(self) -> Path:
        return self.work / "witness.json"

    @property
    def proof(self) -> Path:
        return self.work / "proof.json"

    def result(self, phase: str) -> Path:
        """Where the ``phase`` child writes its timing and return value."""
        return self.work / f"phase-{phase}.json"

    def log(self, phase: str) -> Path:
        """Where the ``phase`` child's stdout and stderr go (EZKL prints tables there)."""
        return self.work / f"phase-{phase}.log"


# --------------------------------------------------------------------------------------------
# Child side: one EZKL phase
# --------------------------------------------------------------------------------------------


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call an ezkl function, awaiting its result if this ezkl version made it async.

    The call itself is made inside a running event loop because older releases return a
    pyo3-asyncio future, which can only be created while a loop runs.
    """

    async def call_and_await() -> Any:
        value = fn(*args)
        return await value if inspect.isawaitable(value) else value

    return asyncio.run(call_and_await())


def _logrows(paths: Paths) -> int:
    """The calibrated ``logrows`` from the settings file."""
    return int(json.loads(paths.settings.read_text())["run_args"]["logrows"])


def _phase_settings(ezkl: Any, paths: Paths) -> Any:
    """gen_settings with the default run args, then calibrate them on the input for size."""
    if not _call(ezkl.gen_settings, str(paths.model), str(paths.settings)):
        raise RuntimeError("gen_settings returned false")
    # One sample is enough calibration data: the input is what will be proven, and the
    # "resources" target picks the smallest scales and logrows that still fit it.
    return _call(ezkl.calibrate_settings, str(paths.input), str(paths.model),
                 str(paths.settings), CALIBRATION_TARGET)


def _phase_compile(ezkl: Any, paths: Paths) -> Any:
    """compile_circuit: the ONNX graph and the calibrated settings into a circuit file."""
    return _call(ezkl.compile_circuit, str(paths.model), str(paths.compiled),
                 str(paths.settings))


def _phase_srs(ezkl: Any, paths: Paths) -> Any:
    """gen_srs: a local (insecure, test-only) KZG SRS of exactly the calibrated size."""
    _call(ezkl.gen_srs, str(paths.srs), _logrows(paths))  # returns None
    return paths.srs.exists()


def _phase_setup(ezkl: Any, paths: Paths) -> Any:
    """setup: the proving and verifying keys for the compiled circuit."""
    return _call(ezkl.setup, str(paths.compiled), str(paths.vk), str(paths.pk), str(paths.srs))


def _phase_witness(ezkl: Any, paths: Paths) -> Any:
    """gen_witness: the forward pass in the field; the return value is a large dict."""
    _call(ezkl.gen_witness, str(paths.input), str(paths.compiled), str(paths.witness))
    return paths.witness.exists()


def _phase_prove(ezkl: Any, paths: Paths) -> Any:
    """prove: a single halo2 proof; the return value is the proof dict, also on disk."""
    _call(ezkl.prove, str(paths.witness), str(paths.compiled), str(paths.pk), str(paths.proof),
          str(paths.srs))
    return paths.proof.exists()


def _phase_verify(ezkl: Any, paths: Paths) -> Any:
    """verify: check the proof against the settings, the vk and the SRS."""
    return _call(ezkl.verify, str(paths.proof), str(paths.settings), str(paths.vk),
                 str(paths.srs))


PHASES: dict[str, Callable[[Any, Paths], Any]] = {
    "settings": _phase_settings,
    "compile": _phase_compile,
    "srs": _phase_srs,
    "setup": _phase_setup,
    "witness": _phase_witness,
    "prove": _phase_prove,
    "verify": _phase_verify,
}


def run_phase_in_child(phase: str, work: Path) -> None:
    """Run one phase here (the child) and write its seconds and verdict to a JSON file."""
    import ezkl  # imported before the clock starts: start-up is not EZKL's work

    paths = Paths(work)
    start = time.perf_counter()
    value = PHASES[phase](ezkl, paths)
    seconds = time.perf_counter() - start
    paths.result(phase).write_text(json.dumps({"seconds": seconds, "ok": bool(value)}))


# --------------------------------------------------------------------------------------------
# Parent side: spawn, time out, measure
# --------------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    """What the parent learned about one phase."""

    seconds: float
    peak_rss_mib: float
    ok: bool
    error: str | None = None
    timed_out: bool = False


def _log_tail(path: Path) -> str:
    """The end of a child's log, for the error text."""
    try:
        return path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
    except OSError:
        return ""


def _wait_with_deadline(pid: int, deadline: float) -> tuple[int, Any, bool]:
    """Reap ``pid`` with its rusage; kill its process group at ``deadline``.

    Returns ``(wait status, rusage, timed_out)``. ``os.wait4`` is polled rather than
    blocked on so that the deadline can be enforced from this thread.
    """
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got == pid:
            return status, usage, False
        if time.monotonic() >= deadline:
            os.killpg(pid, signal.SIGKILL)  # the child leads its own group (start_new_session)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(POLL_S)


def run_phase(phase: str, paths: Paths, deadline: float) -> PhaseResult:
    """Run ``phase`` in a fresh interpreter and return its time, peak RSS and verdict."""
    paths.result(phase).unlink(missing_ok=True)
    with paths.log(phase).open("wb") as log:
        # Popen is used only to start the child; it is reaped by os.wait4 for its rusage.
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--phase", phase,
             "--work", str(paths.work)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        status, usage, timed_out = _wait_with_deadline(child.pid, deadline)
        child.returncode = os.waitstatus_to_exitcode(status)  # stop Popen reaping it again
    peak_mib = usage.ru_maxrss / 1024.0  # Linux reports KiB
    if timed_out:
        return PhaseResult(0.0, peak_mib, False, f"{phase}: timed out", timed_out=True)
    if child.returncode != 0 or not paths.result(phase).exists():
        return PhaseResult(0.0, peak_mib, False,
                           f"{phase}: exit code {child.returncode}\n{_log_tail(paths.log(phase))}")
    report = json.loads(paths.result(phase).read_text())
    error = None if report["ok"] else f"{phase}: ezkl returned false"
    return PhaseResult(float(report["seconds"]), peak_mib, bool(report["ok"]), error)


def ezkl_version() -> str:
    """The installed ezkl version, without importing it into this (the parent) process."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ezkl")
    except PackageNotFoundError:
        return "not installed"


def _size(path: Path) -> int | None:
    """File size in bytes, or None if the phase that writes it did not get that far."""
    return path.stat().st_size if path.exists() else None


def _settings_summary(paths: Paths) -> dict[str, Any]:
    """The calibrated numbers worth recording next to the timings."""
    settings = json.loads(paths.settings.read_text())
    run_args = settings["run_args"]
    keys = ("input_scale", "param_scale", "scale_rebase_multiplier", "logrows",
            "num_inner_cols", "decomp_base", "decomp_legs", "input_visibility",
            "output_visibility", "param_visibility")
    summary = {key: run_args.get(key) for key in keys}
    summary["num_rows"] = settings.get("num_rows")
    summary["total_assignments"] = settings.get("total_assignments")
    return summary


def _proof_raw_bytes(paths: Paths) -> int | None:
    """Length of the proof transcript itself; proof.json also holds instances and hex."""
    if not paths.proof.exists():
        return None
    return len(json.loads(paths.proof.read_text())["proof"])


def _prepare(paths: Paths, onnx_path: Path, input_vector: list[float]) -> None:
    """Copy the model into the work directory and write EZKL's input JSON (batch of one)."""
    paths.work.mkdir(parents=True, exist_ok=True)
    paths.model.write_bytes(Path(onnx_path).read_bytes())
    paths.input.write_text(json.dumps({"input_data": [[float(v) for v in input_vector]]}))


def _record(out: dict[str, Any], phase: str, result: PhaseResult) -> None:
    """Put one phase's time and peak RSS under the keys :func:`run_ezkl` promises."""
    out["phase_peak_rss_mib"][phase] = round(result.peak_rss_mib, 1)
    if not result.ok:
        return
    if phase == "verify":
        out["verify_ms"] = round(result.seconds * 1000.0, 2)
    else:
        out[f"{phase}_s"] = round(result.seconds, 3)


def run_ezkl(onnx_path: Path, input_vector: list[float], work_dir: Path,
             timeout_s: float) -> dict[str, Any]:
    """Run settings, compile, SRS, setup, witness, prove and verify; one child per phase.

    Args:
        onnx_path: The model.
        input_vector: One input sample, flat; also the calibration data.
        work_dir: Directory for EZKL's files (keys, SRS, proof); created if missing.
        timeout_s: Budget for all phases together; the running phase is killed at the end.

    Returns:
        ``version``, ``status`` (``ok``, ``failed`` or ``timeout``; ``error`` when not ok),
        ``visibility``, ``logrows``, ``settings`` (calibrated values), ``settings_s``
        (gen_settings + calibrate), ``compile_s``, ``srs_s``, ``setup_s``, ``witness_s``,
        ``prove_s``, ``verify_ms``, ``proof_bytes`` (proof.json), ``proof_raw_bytes`` (the
        transcript), ``pk_bytes``, ``vk_bytes``, ``srs_bytes``, ``peak_rss_mib`` (max over
        phases), ``setup_peak_rss_mib``, ``prove_peak_rss_mib`` and ``phase_peak_rss_mib``.
        Times of phases that did not finish are None.
    """
    paths = Paths(Path(work_dir))
    out: dict[str, Any] = {
        "version": ezkl_version(), "status": "ok", "visibility": dict(VISIBILITY),
        "logrows": None, "settings": None, "phase_peak_rss_mib": {},
        **{f"{phase}_s": None for phase in PHASES if phase != "verify"}, "verify_ms": None,
    }
    _prepare(paths, onnx_path, input_vector)
    deadline = time.monotonic() + timeout_s
    for phase in PHASES:
        result = run_phase(phase, paths, deadline)
        _record(out, phase, result)
        if phase == "settings" and result.ok:
            out["settings"] = _settings_summary(paths)
            out["logrows"] = out["settings"]["logrows"]
        if not result.ok:
            out["status"] = "timeout" if result.timed_out else "failed"
            out["error"] = result.error
            break
    rss = out["phase_peak_rss_mib"]
    out.update({
        "proof_bytes": _size(paths.proof), "proof_raw_bytes": _proof_raw_bytes(paths),
        "pk_bytes": _size(paths.pk), "vk_bytes": _size(paths.vk), "srs_bytes": _size(paths.srs),
        "peak_rss_mib": max(rss.values(), default=None),
        "setup_peak_rss_mib": rss.get("setup"), "prove_peak_rss_mib": rss.get("prove"),
    })
    return out


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def read_input_vector(path: Path) -> list[float]:
    """A flat input from ``{"input": [...]}`` (benchmarks/run.py), ``{"input_data": [[...]]}``
    (EZKL) or a bare list."""
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        data = data["input"] if "input" in data else data["input_data"]
    if data and isinstance(data[0], list):  # EZKL's batch of one
        (data,) = data
    return [float(v) for v in data]


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline and print its dict as JSON; or, with ``--phase``, be that child."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, nargs="?", help="ONNX model")
    parser.add_argument("--input-json", type=Path, help="input vector (see read_input_vector)")
    parser.add_argument("--work", type=Path, required=True, help="directory for EZKL's files")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds for all phases")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        run_phase_in_child(args.phase, args.work)
        return 0
    if args.model is None or args.input_json is None:
        parser.error("MODEL and --input-json are required")
    result = run_ezkl(args.model, read_input_vector(args.input_json), args.work, args.timeout)
    print(json.dumps(result, indent=2))
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
