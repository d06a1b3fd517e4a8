"""The ``folding`` command line: ``inspect``, ``compile``, ``prove`` and ``verify``, and the
service verbs ``serve`` and ``remote`` (:mod:`folding.cli_service`).

Exit codes: 0 success (a loadable model, a written artefact, a valid proof); 1 the model, input
or proof is rejected (a :class:`~folding.errors.FoldingError`, or an invalid proof); 2 bad
arguments and missing, unreadable or corrupt files (other than the proof being verified,
which is then reported INVALID); 130 when interrupted.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from folding import __version__, api
from folding.api import CompiledModel, ProgressInfo, Proof, VerifierKey
from folding.cli_cluster import add_cluster_options, add_prove_batch, prove_on_cluster
from folding.cli_service import add_remote, add_serve
from folding.cli_srs import SrsUsageError, add_srs, add_srs_option, open_srs
from folding.cli_types import positive_int
from folding.errors import (
    ArtefactError,
    FoldingError,
    InputError,
    ModelImportError,
    VerificationError,
)
from folding.heads import apply_heads

__all__ = ["main"]

log = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_BAR_WIDTH = 24
_TIMINGS = ("setup_s", "witness_s", "fold_s", "compress_s")


class UsageError(Exception):
    """A bad argument or a missing, unreadable or corrupt file (exit code 2)."""


class _StderrHandler(logging.Handler):
    """A log handler that writes to whatever ``sys.stderr`` is when a record comes."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def _configure_logging(verbosity: int) -> None:
    logger = logging.getLogger("folding")
    logger.setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("folding: %(levelname)s: %(message)s"))
        logger.addHandler(handler)


def _read(path: Path, what: str) -> bytes:
    """Reads a file, turning OS errors into a :class:`UsageError` that names the file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} '{path}': no such file") from None
    except OSError as exc:
        raise UsageError(f"{what} '{path}': cannot read: {exc.strerror or exc}") from None


def _write(path: Path, data: bytes, what: str) -> None:
    """Writes a file, turning OS errors into a :class:`UsageError` that names the file."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{what} '{path}': cannot write: {exc.strerror or exc}") from None
    log.debug("wrote %s %s (%d bytes)", what, path, len(data))


def _check_output(path: Path, what: str) -> None:
    """Fails early, before the slow work, when ``path`` cannot be created."""
    if not path.parent.is_dir():
        raise UsageError(f"{what} '{path}': directory '{path.parent}' does not exist")


def _load_array(path: Path, what: str, key: str) -> npt.NDArray[Any]:
    """Loads numbers from ``.npy`` or ``.json`` (a list, or an object holding it at ``key``).

    Raises:
        UsageError: If the file is missing, unreadable, or not valid ``.npy``/JSON.
        InputError: If the JSON does not hold a numeric array.
    """
    raw = _read(path, what)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            return np.asarray(np.load(io.BytesIO(raw), allow_pickle=False))
        except (ValueError, OSError, EOFError) as exc:
            raise UsageError(f"{what} '{path}': not a valid .npy file ({exc})") from None
    if suffix != ".json":
        raise UsageError(f"{what} '{path}': expected a .json or .npy file")
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{what} '{path}': not valid JSON ({exc})") from None
    if isinstance(value, dict):
        # EZKL's input.json holds the input under "input_data" (a list of one sample).
        keys = (key, "input_data") if key == "input" else (key,)
        found = next((k for k in keys if k in value), None)
        if found is None:
            raise InputError(f"{what} '{path}': expected a list of numbers or {{\"{key}\": [...]}}")
        value = value[found]
    try:
        array = np.asarray(value)
    except ValueError:
        array = np.asarray([], dtype=object)
    if array.dtype.kind not in "iuf":
        raise InputError(f"{what} '{path}': expected a list of numbers")
    return array


def _load_input(path: Path) -> npt.NDArray[Any]:
    array = _load_array(path, "input", "input")
    return array[0] if array.ndim == 2 and array.shape[0] == 1 else array  # a batch of one


def _load_expected_output(path: Path) -> npt.NDArray[np.int64]:
    try:
        array = _load_array(path, "expected output", "output").reshape(-1)
    except InputError as exc:  # a bad argument to verify, not a rejected proof
        raise UsageError(str(exc)) from None
    if array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.round(array))):
        raise UsageError(f"expected output '{path}': must hold the quantized (integer) output")
    return array.astype(np.int64)


def _emit(args: argparse.Namespace, text: str, data: dict[str, Any]) -> None:
    """Prints the command's result: ``data`` as one JSON object with ``--json``, else text."""
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text)


def _floats(values: npt.ArrayLike) -> str:
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return "[" + ", ".join(f"{v:.6g}" for v in flat) + "]"


def _progress_line(info: ProgressInfo) -> str:
    total = max(info.total_steps, 1)
    filled = _BAR_WIDTH * min(info.steps_done, total) // total
    segment = min(info.segment + 1, max(info.segments, 1))
    return (f"[{'#' * filled}{'-' * (_BAR_WIDTH - filled)}] {info.stage:<9} "
            f"segment {segment}/{info.segments}  step {info.steps_done}/{info.total_steps}  "
            f"{info.rate:.1f} steps/s  {info.elapsed_s:.1f}s")


class _ProgressBar:
    """Draws proving progress on stderr: one redrawn line on a terminal, else a line a stage."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._stage = ""
        self._width = 0

    def __call__(self, info: ProgressInfo) -> None:
        line = _progress_line(info)
        if self._tty:
            sys.stderr.write("\r" + line.ljust(self._width))
            self._width = len(line)
        elif info.stage != self._stage:
            sys.stderr.write(line + "\n")
        self._stage = info.stage
        sys.stderr.flush()

    def close(self) -> None:
        """Ends the redrawn line."""
        if self._tty and self._width:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _cmd_inspect(args: argparse.Namespace) -> int:
    data = _read(args.model, "model")
    try:
        from folding.onnx_import import inspect_onnx  # onnx: only for the verbs that read it

        report = inspect_onnx(data, base_dir=args.model.parent)
    except ModelImportError as exc:
        raise UsageError(f"model '{args.model}': cannot read it as ONNX: {exc}") from None
    text, result = report.format(), report.to_dict()
    if report.loadable and not args.no_plan:
        segments = api.plan(data, base_dir=args.model.parent, act_bits=args.act_bits,
                            weight_bits=args.weight_bits, precision=args.precision,
                            target_error=args.target_error, shift=args.shift,
                            layers_per_step=args.layers_per_step,
                            private_weights=args.private_weights, engine="bn254")
        summary = _plan_totals(segments)
        result["plan"] = summary
        text += "\n\n" + "\n".join(_plan_lines(summary))
    _emit(args, text, result)
    return EXIT_OK if report.loadable else EXIT_REJECTED


def _plan_totals(plan: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {"segments": len(plan), "steps": sum(int(s["num_steps"]) for s in plan),
              "estimated_constraints": sum(int(s["num_steps"]) * int(s["estimated_constraints"])
                                           for s in plan), "plan": plan}
    sizes = [int(s["srs_log_size"]) for s in plan if "srs_log_size" in s]
    if sizes:
        totals["srs_log_size"] = max(sizes)
    return totals


def _plan_lines(s: dict[str, Any]) -> list[str]:
    """The plan as a table: one row per segment, with the kinds of layer in its steps."""
    lines = [(f"plan: {s['segments']} segment(s), {s['steps']} step(s), "
              f"~{s['estimated_constraints']:,} constraints in all"),
             "  seg  first layer  steps  layers/step  constraints/step  step"]
    for i, g in enumerate(s["plan"]):
        kinds = " + ".join(str(slot[5]) if len(slot) > 5 else "dense" for slot in g["slots"])
        lines.append(f"  {i:>3}  {g['first_layer']:>11}  {g['num_steps']:>5}  "
                     f"{g['layers_per_step']:>11}  {g['estimated_constraints']:>16,}  {kinds}")
    if "srs_log_size" in s:
        lines.append(f"SRS for --engine bn254: 2^{s['srs_log_size']} powers "
                     f"(folding srs new --log-size {s['srs_log_size']})")
    return lines


def _plan_summary(model: CompiledModel) -> dict[str, Any]:
    return _plan_totals(model.plan())


def _compile_summary(model: CompiledModel, args: argparse.Namespace, size: int,
                     seconds: float) -> dict[str, Any]:
    q = model.quantized
    return {
        "model": str(args.model), "output": str(args.output), "output_bytes": size,
        "verifier_key": str(args.vk_out) if args.vk_out else None,
        "verifier_key_bytes": len(model.verifier_key.to_bytes()),
        "engine": model.engine,
        "srs_id": model.verifier_key.srs_id.hex() if model.verifier_key.srs_id else None,
        "commitment": model.commitment.hex(), "private_weights": model.private_weights,
        "input_dim": q.input_dim, "output_dim": q.output_dim,
        "settings": q.settings.to_dict(),
        "layers": [{"name": la.name, "kind": la.kind, "in_dim": la.in_dim,
                    "out_dim": la.out_dim, "relu": la.relu} for la in q.layers],
        "quantization": q.report.to_dict() if q.report else None,
        "compile_s": seconds, **_plan_summary(model),
    }


def _format_compile(summary: dict[str, Any], model: CompiledModel) -> str:
    s = summary
    weights = "private" if s["private_weights"] else "public"
    lines = [
        (f"compiled {s['model']} -> {s['output']} ({s['output_bytes']:,} bytes) "
         f"in {s['compile_s']:.2f}s"),
        (f"layers: {len(s['layers'])}, input {s['input_dim']}, output {s['output_dim']}, "
         f"{weights} weights"),
        (f"engine: {s['engine']}" + (f", SRS {s['srs_id'][:12]}" if s["srs_id"] else "")
         + f"; verifier key {s['verifier_key_bytes']:,} bytes"),
        "settings: " + " ".join(f"{k}={v}" for k, v in s["settings"].items()), "",
    ]
    if model.quantized.report is not None:
        lines += [model.quantized.report.format(), ""]
    lines += _plan_lines(s)
    if s["verifier_key"]:
        lines += ["", f"verifier key: {s['verifier_key']}"]
    return "\n".join([*lines, "", f"commitment: {s['commitment']}"])


def _cmd_compile(args: argparse.Namespace) -> int:
    data = _read(args.model, "model")
    _check_output(args.output, "compiled model")
    if args.vk_out is not None:
        _check_output(args.vk_out, "verifier key")
    calibration = None
    if args.calibration is not None:
        calibration = _load_array(args.calibration, "calibration", "calibration")
    srs = open_srs(args.srs)
    if srs is not None and args.engine != "bn254":
        raise UsageError(f"--srs/--ptau go with --engine bn254, not {args.engine}")
    start = time.perf_counter()
    model = api.compile(
        data, calibration=calibration, act_bits=args.act_bits, weight_bits=args.weight_bits,
        precision=args.precision, target_error=args.target_error,
        shift=args.shift, layers_per_step=args.layers_per_step,
        private_weights=args.private_weights, max_segment_nnz=args.max_segment_nnz,
        max_segment_steps=args.max_segment_steps, base_dir=args.model.parent,
        cache_dir=args.cache_dir, engine=args.engine, srs=srs,
    )
    seconds = time.perf_counter() - start
    blob = model.to_bytes()
    _write(args.output, blob, "compiled model")
    if args.vk_out is not None:
        _write(args.vk_out, model.verifier_key.to_bytes(), "verifier key")
    summary = _compile_summary(model, args, len(blob), seconds)
    _emit(args, _format_compile(summary, model), summary)
    return EXIT_OK


def _load_model(path: Path) -> CompiledModel:
    try:
        return CompiledModel.from_bytes(_read(path, "compiled model"))
    except ArtefactError as exc:
        raise UsageError(f"compiled model '{path}': {exc}") from None


def _cmd_prove(args: argparse.Namespace) -> int:
    model = _load_model(args.model)
    x = _load_input(args.input)
    _check_output(args.output, "proof")
    srs = open_srs(args.srs)
    bar = None if args.json or args.no_progress else _ProgressBar()
    start = time.perf_counter()
    try:
        if args.ray is not None:
            if args.checkpoint is not None:
                raise UsageError("--checkpoint is one file; with --ray use --checkpoint-dir")
            proof, _ = prove_on_cluster(args, model, x, bar)
        else:
            proof = api.prove(model, x, quantized=args.quantized, cache_dir=args.cache_dir,
                              progress=bar, checkpoint=args.checkpoint,
                              checkpoint_every=args.checkpoint_every, srs=srs)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    blob = proof.to_bytes()
    _write(args.output, blob, "proof")
    times: dict[str, float] = {k: float(proof.stats[k]) for k in _TIMINGS if k in proof.stats}
    summary: dict[str, Any] = {
        "proof": str(args.output), "proof_bytes": len(blob),
        "commitment": proof.model_commitment.hex(), "input": list(proof.input),
        "output": list(proof.output), "logits": proof.logits.tolist(),
        "prove_s": seconds, **times, "stats": proof.stats,
    }
    try:
        heads = apply_heads(model.quantized.heads, proof.logits)
    except ValueError as exc:
        raise UsageError(f"compiled model '{args.model}': its output heads do not fit the "
                         f"output ({exc})") from None
    if heads:
        summary["outputs"] = heads
    parts = ", ".join(f"{k.removesuffix('_s')} {v:.2f}s" for k, v in times.items())
    text = "\n".join([f"output: {list(proof.output)}", f"logits: {_floats(proof.logits)}",
                      *_head_lines(heads),
                      f"commitment: {summary['commitment']}",
                      f"prove time: {seconds:.2f}s" + (f" ({parts})" if parts else ""),
                      f"proof: {args.output} ({len(blob):,} bytes)"])
    _emit(args, text, summary)
    return EXIT_OK


def _head_lines(outputs: dict[str, Any]) -> list[str]:
    """One line per head output (computed from the proven logits, not proven themselves)."""
    def shown(value: Any) -> str:
        if isinstance(value, list) and value and all(isinstance(v, float) for v in value):
            return _floats(np.asarray(value))
        return json.dumps(value, default=str)
    return [f"{name} (from the logits): {shown(value)}" for name, value in outputs.items()]


def _load_key(args: argparse.Namespace) -> CompiledModel | VerifierKey:
    path: Path = args.model if args.model is not None else args.vk
    what = "compiled model" if args.model is not None else "verifier key"
    data = _read(path, what)
    try:
        return CompiledModel.from_bytes(data) if args.model is not None else \
            VerifierKey.from_bytes(data)
    except ArtefactError as exc:
        raise UsageError(f"{what} '{path}': {exc}") from None


def _invalid(args: argparse.Namespace, reason: str) -> int:
    _emit(args, f"INVALID: {reason}", {"valid": False, "reason": reason,
                                       "proof": str(args.proof)})
    return EXIT_REJECTED


def _cmd_verify(args: argparse.Namespace) -> int:
    data = _read(args.proof, "proof")
    key = _load_key(args)
    expected = None
    if args.expected_output is not None:
        expected = _load_expected_output(args.expected_output)
    srs = open_srs(args.srs)
    try:
        proof = Proof.from_bytes(data)
        # verify_s: the check alone (rebuilding the key and checking the proof), without
        # start-up and file reading
        start = time.perf_counter()
        verified = api.verify(proof, key, expected_output=expected, srs=srs)
        seconds = time.perf_counter() - start
    except VerificationError as exc:
        return _invalid(args, exc.reason)
    except ArtefactError as exc:  # a corrupt proof, or one for another model
        return _invalid(args, str(exc))
    summary = {
        "valid": True, "reason": None, "proof": str(args.proof),
        "commitment": verified.model_commitment.hex(), "input": list(verified.input),
        "output": list(verified.output), "logits": verified.logits.tolist(),
        "verify_s": seconds,
    }
    if verified.outputs:
        summary["outputs"] = verified.outputs
    text = "\n".join(["VALID", f"commitment: {summary['commitment']}",
                      f"output: {list(verified.output)}", f"logits: {_floats(verified.logits)}",
                      *_head_lines(verified.outputs),
                      f"verify time: {seconds:.3f}s"])
    _emit(args, text, summary)
    return EXIT_OK


def _common() -> argparse.ArgumentParser:
    """Options every subcommand takes (also accepted after the subcommand)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="log diagnostics to stderr")
    common.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return common


def _add_inspect(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("inspect", parents=[common], help="list an ONNX model's layers and "
                       "unsupported nodes")
    p.add_argument("model", type=Path, metavar="MODEL.onnx")
    p.add_argument("--no-plan", action="store_true",
                   help="do not quantize and plan the model (only list its nodes)")
    _add_plan_options(p)
    p.set_defaults(func=_cmd_inspect)


def _add_plan_options(p: argparse.ArgumentParser) -> None:
    """The options that decide a model's plan (shared by inspect and compile)."""
    p.add_argument("--layers-per-step", type=positive_int, metavar="N",
                   help="layers folded per step (default: chosen by the cost model)")
    p.add_argument("--private-weights", action="store_true",
                   help="hide the weights (bind them by a salted hash chain)")
    p.add_argument("--act-bits", type=positive_int, metavar="BITS",
                   help="signed activation bits (default: chosen with --precision; 16 when "
                        "only --weight-bits is given)")
    p.add_argument("--weight-bits", type=positive_int, metavar="BITS",
                   help="signed weight bits (default: chosen with --precision; 8 when only "
                        "--act-bits is given)")
    p.add_argument("--precision", choices=("fast", "default", "exact"), default="default",
                   help="the bit widths: the cheapest setting whose calibration error meets "
                        "this (fast: the float model's arg-max on every calibration sample; "
                        "default: also max logit error <= 1e-3 of the logits' span; exact: "
                        "1e-5)")
    p.add_argument("--target-error", type=float, metavar="F",
                   help="a span fraction to meet instead of --precision's")
    p.add_argument("--shift", type=int, metavar="S", help="rescale shift (default: calibrated)")


def _add_compile(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("compile", parents=[common], help="quantize and plan an ONNX model")
    p.add_argument("model", type=Path, metavar="MODEL.onnx")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL.fold")
    p.add_argument("--calibration", type=Path, metavar="FILE.npy",
                   help="sample inputs [n, input_dim] for choosing scales")
    _add_plan_options(p)
    p.add_argument("--max-segment-nnz", type=positive_int, metavar="N")
    p.add_argument("--max-segment-steps", type=positive_int, metavar="N")
    p.add_argument("--engine", choices=api.ENGINES, default=api.DEFAULT_ENGINE,
                   help="pasta: transparent (no setup), keys and verification grow with the "
                        "model; bn254: succinct (a universal SRS), keys of kilobytes, "
                        f"verification in milliseconds (default {api.DEFAULT_ENGINE})")
    add_srs_option(p, verb="compile")
    p.add_argument("--vk-out", type=Path, metavar="FILE.vk", help="also write the verifier key")
    p.add_argument("--cache-dir", type=Path, metavar="DIR", help="public-parameter cache")
    p.set_defaults(func=_cmd_compile)


def _add_prove(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("prove", parents=[common], help="prove one inference")
    p.add_argument("model", type=Path, metavar="MODEL.fold")
    p.add_argument("--input", type=Path, required=True, metavar="X.json|X.npy")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="PROOF")
    p.add_argument("--quantized", action="store_true", help="the input is already integers")
    p.add_argument("--cache-dir", type=Path, metavar="DIR", help="public-parameter cache")
    p.add_argument("--no-progress", action="store_true", help="draw no progress bar")
    p.add_argument("--checkpoint", type=Path, metavar="FILE",
                   help="keep a checkpoint here and resume from it (removed when done)")
    p.add_argument("--checkpoint-every", type=positive_int, default=0, metavar="N",
                   help="steps between checkpoints (default: after each segment and on "
                        "interrupt)")
    add_srs_option(p, verb="prove")
    add_cluster_options(p, segments=True)
    p.set_defaults(func=_cmd_prove)


def _add_verify(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("verify", parents=[common], help="verify a proof")
    p.add_argument("proof", type=Path, metavar="PROOF")
    key = p.add_mutually_exclusive_group(required=True)
    key.add_argument("--model", type=Path, metavar="MODEL.fold")
    key.add_argument("--vk", type=Path, metavar="FILE.vk")
    p.add_argument("--expected-output", type=Path, metavar="Y.json|Y.npy",
                   help="the quantized output the proof must state")
    add_srs_option(p, verb="verify")
    p.set_defaults(func=_cmd_verify)


def build_parser() -> argparse.ArgumentParser:
    """Builds the ``folding`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="folding", description="Prove neural network inference with Nova folding.",
        epilog="exit codes: 0 ok, 1 rejected (unsupported model, bad input, invalid proof), "
               "2 usage error or unreadable file")
    parser.add_argument("--version", action="version", version=f"folding {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log diagnostics to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()
    for add in (_add_inspect, _add_compile, _add_prove, add_prove_batch, _add_verify,
                add_srs, add_serve, add_remote):
        add(sub, common)
    return parser


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Runs the ``folding`` command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 ok, 1 rejected, 2 usage error, 130 interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or an argparse error (already printed)
        code = EXIT_OK if exc.code is None else exc.code
        return code if isinstance(code, int) else EXIT_USAGE
    _configure_logging(args.verbose)
    log.debug("arguments: %s", vars(args))
    try:
        return int(args.func(args))
    except (UsageError, SrsUsageError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except FoldingError as exc:
        log.debug("%s", type(exc).__name__, exc_info=True)
        _error(str(exc))
        return EXIT_REJECTED
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
