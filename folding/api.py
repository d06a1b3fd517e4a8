"""The public API: :func:`compile`, :func:`prove`, :func:`verify`.

Everything takes and returns objects or bytes (the CLI does the file I/O). The heavy work runs
in the Rust core with the GIL released; progress is polled from the caller's thread, so no
Python runs inside the prover's step loop.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from folding import artefacts
from folding.artefacts import Kind
from folding.errors import (
    ArtefactError,
    InputError,
    ModelMismatchError,
    ProvingError,
    SrsError,
    VerificationError,
)
from folding.heads import apply_heads
from folding.ir import FloatModel
from folding.proofs import (
    DEFAULT_ENGINE,
    ENGINES,
    Proof,
    Verified,
    VerifierKey,
    cache_path,
    default_cache_dir,
    native_module,
)
from folding.quant_ir import (
    QuantAnyLayer,
    QuantizedModel,
    QuantPoolLayer,
    layer_array_shapes,
    layer_arrays,
)
from folding.reference import predict_int
from folding.srs import Srs, SrsStore

__all__ = [
    "DEFAULT_ENGINE", "ENGINES", "CompiledModel", "ProgressInfo", "Proof", "Verified",
    "VerifierKey", "batch_verifier_key", "compile", "default_cache_dir", "prove",
    "prove_batch", "quantize_model", "srs_log_size", "verify",
]

Segments = tuple[tuple[int, int, int], ...]

#: The bit widths a compile uses for the one the caller leaves out when it gives the other.
DEFAULT_ACT_BITS = 16
DEFAULT_WEIGHT_BITS = 8

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A quantized model with its segment plan and verifier key.

    Attributes:
        quantized: The integer network (weights, settings, scales).
        private_weights: Whether weights are hidden witnesses bound by a hash chain.
        segments: The plan: ``(first_layer, num_steps, layers_per_step)`` per segment.
        verifier_key: The verifier key (its commitment is the model commitment).
        salts: Per-layer secret salts of the private hash chain (empty when public).
        source: Where the model came from (input/output names), informational.
    """

    quantized: QuantizedModel
    private_weights: bool
    segments: Segments
    verifier_key: VerifierKey
    salts: tuple[bytes, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def commitment(self) -> bytes:
        """The model commitment: SHA-256 over the verifier key bundle."""
        return self.verifier_key.commitment

    @property
    def engine(self) -> str:
        """The engine profile the keys were made with."""
        return self.verifier_key.engine

    def native(self) -> Any:
        """The native model (built once per object)."""
        cached = self.__dict__.get("_native_model")
        if cached is None:
            try:
                cached = _native_model(self.quantized, self.private_weights, self.salts,
                                       segments=self.segments, engine=self.engine)
            except ValueError as exc:  # the native layers refuse what from_bytes could not see
                raise ArtefactError(f"compiled model: inconsistent layers ({exc})") from None
            object.__setattr__(self, "_native_model", cached)
        return cached

    def srs_path(self, srs: Srs | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> str | None:
        """The SRS file the prover sets up with: ``srs`` (which must be the one the key
        pins), else the one this machine knows by the pinned id, else ``None`` (``pasta``;
        ``bn254`` parameters are set up from the SRS at every proof, never cached).

        Raises:
            ModelMismatchError: If ``srs`` is not the SRS the key pins.
        """
        pinned = self.verifier_key.srs_id
        if pinned is None:
            return None
        if srs is not None:
            if srs.id != pinned:
                raise ModelMismatchError(
                    f"the SRS {srs.path} (id {srs.short_id}) is not the one this model's "
                    f"keys pin (id {pinned.hex()[:12]})")
            return srs.path
        found = SrsStore(cache_path(cache_dir)).find(pinned)
        return None if found is None else found.path

    def rederive_verifier_key(self, cache_dir: str | os.PathLike[str] | None = None,
                              srs: Srs | None = None) -> VerifierKey:
        """Derives the verifier key again from the weights (setup is deterministic, given
        the SRS for the ``bn254`` engine).

        Use it to check that a model file's embedded key, or a published key, really belongs
        to these weights: compare the result's ``commitment``.
        """
        return VerifierKey._of_model(
            self.native().setup(cache_path(cache_dir), self.srs_path(srs, cache_dir)),
            self.quantized)

    def plan(self) -> list[dict[str, Any]]:
        """The segment plan with shapes, lane layouts and constraint estimates (and, for the
        ``bn254`` engine, the SRS size each segment needs)."""
        cached = self.__dict__.get("_plan_rows")
        if cached is None:
            cached = list(self.native().plan())
            object.__setattr__(self, "_plan_rows", cached)
        return [dict(row) for row in cached]

    def to_bytes(self) -> bytes:
        """Serializes the compiled model (weights included) as a versioned artefact."""
        arrays = b"".join(
            np.ascontiguousarray(a, dtype="<i8").tobytes()
            for layer in self.quantized.layers for a in layer_arrays(layer)
        )
        header = {
            "quantized": self.quantized.to_dict(),
            "private_weights": self.private_weights,
            "segments": [list(s) for s in self.segments],
            "commitment": self.commitment.hex(),
            "source": self.source,
            "report": self.quantized.report.to_dict() if self.quantized.report else None,
        }
        sections = {"weights": arrays, "verifier_key": self.verifier_key.to_bytes(),
                    "salts": b"".join(self.salts)}
        return artefacts.pack(Kind.MODEL, header, sections)

    @classmethod
    def from_bytes(cls, data: bytes) -> CompiledModel:
        """Parses a compiled-model artefact.

        Raises:
            ArtefactError: If it is corrupt, truncated, foreign or inconsistent.
        """
        header, sections = artefacts.unpack(data, Kind.MODEL)
        weights = artefacts.require(sections, "weights", "compiled model")
        try:
            meta = header["quantized"]
            shapes = [layer_array_shapes(entry) for entry in meta["layers"]]
            need = 8 * sum(math.prod(w) + math.prod(b) for w, b in shapes)
            if len(weights) != need:
                raise ArtefactError(
                    f"compiled model: weights section has {len(weights)} bytes, expected {need}"
                )
            flat = np.frombuffer(weights, dtype="<i8")  # the layers copy what they keep
            arrays, pos = [], 0
            for weight_shape, bias_shape in shapes:
                w = flat[pos:pos + math.prod(weight_shape)].reshape(weight_shape)
                pos += math.prod(weight_shape)
                arrays.append((w, flat[pos:pos + math.prod(bias_shape)]))
                pos += math.prod(bias_shape)
            quantized = QuantizedModel.from_dict(meta, arrays)
            segments = tuple(tuple(int(v) for v in s) for s in header["segments"])
            private = bool(header["private_weights"])
            stated = bytes.fromhex(header["commitment"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtefactError(f"compiled model: bad header field {exc}") from exc
        salts_raw = bytes(sections.get("salts", b""))
        want_salts = len(quantized.layers) if private else 0
        if len(salts_raw) != 32 * want_salts:
            raise ArtefactError(f"compiled model: salts section has {len(salts_raw)} bytes, "
                                f"expected {32 * want_salts} (32 per layer with private "
                                "weights, none without)")
        salts = tuple(salts_raw[i:i + 32] for i in range(0, len(salts_raw), 32))
        vk = VerifierKey.from_bytes(artefacts.require(sections, "verifier_key", "compiled model"))
        if vk.commitment != stated:
            raise ArtefactError("compiled model: its verifier key is for another model")
        return cls(quantized=quantized, private_weights=private,
                   segments=segments,  # type: ignore[arg-type]
                   verifier_key=vk, salts=salts, source=dict(header.get("source") or {}))


@dataclass(frozen=True)
class ProgressInfo:
    """A progress report of a running proof."""

    stage: str
    segment: int
    segments: int
    steps_done: int
    total_steps: int
    elapsed_s: float

    @property
    def rate(self) -> float:
        """Steps per second so far."""
        return self.steps_done / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _native_layer(layer: QuantAnyLayer) -> tuple[Any, ...]:
    """One layer as ``NativeModel`` takes it (see ``rust_ext/py/src/lib.rs``)."""
    weight, bias = layer_arrays(layer)
    window = getattr(layer, "window", None)
    geometry = None if window is None else [
        *window.in_shape, *window.kernel, *window.stride, *window.pads]
    c_out = layer.out_shape[0] if len(layer.out_shape) == 3 else 0
    skip = None if layer.skip_from is None else (layer.skip_from, layer.skip_mult)
    pool = (layer.mult, layer.bias) if isinstance(layer, QuantPoolLayer) and layer.op == "avg" \
        else None
    return (layer.kind, layer.in_dim, layer.out_dim, layer.relu,
            np.ascontiguousarray(weight, dtype="<i8").tobytes(),
            np.ascontiguousarray(bias, dtype="<i8").tobytes(),
            geometry, c_out, skip, pool)


def _check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def _native_model(quantized: QuantizedModel, private: bool, salts: Sequence[bytes], *,
                  segments: Segments | None = None, layers_per_step: int | None = None,
                  max_segment_nnz: int | None = None,
                  max_segment_steps: int | None = None, engine: str = DEFAULT_ENGINE) -> Any:
    layers = [_native_layer(layer) for layer in quantized.layers]
    st = quantized.settings
    return native_module().NativeModel(
        st.act_bits, st.weight_bits, st.shift, layers, private, list(salts),
        segments=[tuple(s) for s in segments] if segments is not None else None,
        layers_per_step=layers_per_step, max_segment_nnz=max_segment_nnz,
        max_segment_steps=max_segment_steps, engine=_check_engine(engine),
    )


@dataclass(frozen=True)
class _Precision:
    """The bit-width arguments of :func:`compile` and :func:`plan`, and how a candidate
    setting is priced (the planner's estimated constraints over all steps)."""

    act_bits: int | None
    weight_bits: int | None
    precision: str
    target_error: float | None
    private_weights: bool = False
    layers_per_step: int | None = None
    max_segment_nnz: int | None = None
    max_segment_steps: int | None = None
    engine: str = DEFAULT_ENGINE

    def plan(self, quantized: QuantizedModel) -> list[dict[str, Any]]:
        """The segment plan of ``quantized`` under these options (no keys)."""
        salts = tuple(bytes(32) for _ in quantized.layers) if self.private_weights else ()
        native = _native_model(quantized, self.private_weights, salts,
                               layers_per_step=self.layers_per_step,
                               max_segment_nnz=self.max_segment_nnz,
                               max_segment_steps=self.max_segment_steps, engine=self.engine)
        return list(native.plan())

    def cost(self, quantized: QuantizedModel) -> float:
        return float(sum(int(row["num_steps"]) * int(row["estimated_constraints"])
                         for row in self.plan(quantized)))


def _quantized(model: bytes | FloatModel | QuantizedModel, verb: str,
               calibration: npt.ArrayLike | None, bits: _Precision, shift: int | None,
               base_dir: str | os.PathLike[str] | None,
               ) -> tuple[QuantizedModel, dict[str, Any]]:
    """Imports and quantizes ``model`` as needed; returns it with its source description.

    Without ``act_bits`` and ``weight_bits`` the bit widths are chosen by
    :func:`folding.precision.choose_precision`; with either, the other defaults to
    :data:`DEFAULT_ACT_BITS` / :data:`DEFAULT_WEIGHT_BITS`.
    """
    source: dict[str, Any] = {}
    if isinstance(model, (bytes, bytearray, memoryview)):
        # onnx and the quantizer load with the first compile: verifying never needs them
        from folding.onnx_import import load_onnx

        model = load_onnx(bytes(model), base_dir=base_dir)
    if isinstance(model, FloatModel):
        from folding.precision import choose_precision
        from folding.quantize import quantize

        source = {"input_name": model.input_name, "output_name": model.output_name,
                  "opset": model.opset}
        if bits.act_bits is None and bits.weight_bits is None:
            model = choose_precision(model, calibration, cost=bits.cost,
                                     precision=bits.precision, target_error=bits.target_error,
                                     shift=shift)
        else:
            model = quantize(model, calibration,
                             act_bits=bits.act_bits or DEFAULT_ACT_BITS,
                             weight_bits=bits.weight_bits or DEFAULT_WEIGHT_BITS, shift=shift)
    if not isinstance(model, QuantizedModel):
        raise InputError(f"{verb} takes ONNX bytes or a model, got {type(model).__name__}")
    return model, source


def quantize_model(
    model: bytes | FloatModel,
    *,
    calibration: npt.ArrayLike | None = None,
    act_bits: int | None = None,
    weight_bits: int | None = None,
    precision: str = "default",
    target_error: float | None = None,
    shift: int | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> QuantizedModel:
    """Imports (from ONNX bytes) and quantizes a model as :func:`compile` does, choosing the
    bit widths the same way (priced for public weights on the default engine)."""
    bits = _Precision(act_bits, weight_bits, precision, target_error)
    quantized, _ = _quantized(model, "quantize_model", calibration, bits, shift, base_dir)
    return quantized


def plan(
    model: bytes | FloatModel | QuantizedModel,
    *,
    calibration: npt.ArrayLike | None = None,
    act_bits: int | None = None,
    weight_bits: int | None = None,
    precision: str = "default",
    target_error: float | None = None,
    shift: int | None = None,
    layers_per_step: int | None = None,
    private_weights: bool = False,
    max_segment_nnz: int | None = None,
    max_segment_steps: int | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> list[dict[str, Any]]:
    """The segment plan :func:`compile` would make, without setting up any keys.

    Takes the arguments of :func:`compile`. Each segment is a dict with ``first_layer``,
    ``first_step``, ``num_steps``, ``layers_per_step``, ``slots`` (per layer of a step:
    ``(n_in, n_out, relu, lane_bits, lanes, kind)``) and ``estimated_constraints`` per step.
    With ``engine="bn254"`` each segment also states ``srs_log_size``: ``log2`` of the SRS
    powers its keys need (exact; the model needs the largest).
    """
    bits = _Precision(act_bits, weight_bits, precision, target_error, private_weights,
                      layers_per_step, max_segment_nnz, max_segment_steps, engine)
    quantized, _ = _quantized(model, "plan", calibration, bits, shift, base_dir)
    return bits.plan(quantized)


def compile(  # shadows the builtin: the public verb of the API
    model: bytes | FloatModel | QuantizedModel,
    *,
    calibration: npt.ArrayLike | None = None,
    act_bits: int | None = None,
    weight_bits: int | None = None,
    precision: str = "default",
    target_error: float | None = None,
    shift: int | None = None,
    layers_per_step: int | None = None,
    private_weights: bool = False,
    max_segment_nnz: int | None = None,
    max_segment_steps: int | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    engine: str = DEFAULT_ENGINE,
    srs: Srs | None = None,
) -> CompiledModel:
    """Imports, quantizes and plans a model, and sets up its proving keys.

    Args:
        model: ONNX bytes, a float model, or an already quantized model.
        calibration: Sample inputs ``[n, input_dim]`` for choosing scales (a bundled default
            set when omitted).
        act_bits: Signed activation bit width (see ``precision``).
        weight_bits: Signed weight bit width. With neither bit width given, both are chosen:
            the cheapest setting by the planner's cost model whose calibration error meets
            ``precision`` (:mod:`folding.precision`); with one given, the other defaults to
            16 (activations) or 8 (weights).
        precision: ``fast`` (the float model's arg-max on every calibration sample),
            ``default`` (that, and max logit error at most 1e-3 of the logits' span) or
            ``exact`` (1e-5).
        target_error: A span fraction to meet instead of the precision's.
        shift: Rescale shift (chosen by calibration when omitted).
        layers_per_step: Layers folded per Nova step (chosen by a cost model when omitted).
        private_weights: Hide the weights (bind them by a salted Poseidon hash chain).
        max_segment_nnz: Budget of constant weights per public-model segment.
        max_segment_steps: Most steps per segment.
        base_dir: Directory of the ONNX file, for external data beside it.
        cache_dir: Public-parameter cache (default: :func:`default_cache_dir`).
        engine: ``pasta`` (transparent) or ``bn254`` (succinct, needs an SRS).
        srs: The ``bn254`` engine's SRS. When omitted, a local single-party SRS in the cache
            directory is used (made once, with a warning; see :mod:`folding.srs`).

    Returns:
        The compiled model; its ``commitment`` identifies it to verifiers.

    Raises:
        SrsError: If the SRS is too small for the model or cannot be read or made.
    """
    bits = _Precision(act_bits, weight_bits, precision, target_error, private_weights,
                      layers_per_step, max_segment_nnz, max_segment_steps, engine)
    model, source = _quantized(model, "compile", calibration, bits, shift, base_dir)
    salts = tuple(secrets.token_bytes(32) for _ in model.layers) if private_weights else ()
    native = _native_model(model, private_weights, salts, layers_per_step=layers_per_step,
                           max_segment_nnz=max_segment_nnz,
                           max_segment_steps=max_segment_steps, engine=engine)
    rows = native.plan()
    segments: Segments = tuple(
        (int(s["first_layer"]), int(s["num_steps"]), int(s["layers_per_step"])) for s in rows
    )
    srs_path = None
    if engine == "bn254":
        need = max(int(s["srs_log_size"]) for s in rows)
        srs = _compile_srs(need, srs, cache_path(cache_dir))
        srs_path = srs.path
    elif srs is not None:
        raise InputError(f"the {engine} engine takes no SRS")
    vk = VerifierKey._of_model(native.setup(cache_path(cache_dir), srs_path), model)
    compiled = CompiledModel(quantized=model, private_weights=private_weights,
                             segments=segments, verifier_key=vk, salts=salts, source=source)
    object.__setattr__(compiled, "_native_model", native)
    object.__setattr__(compiled, "_plan_rows", rows)
    return compiled


def srs_log_size(model: CompiledModel) -> int:
    """``log2`` of the SRS size (G1 powers) ``model``'s keys need with the ``bn254`` engine
    (exact: its largest segment's preprocessing-Spartan vector)."""
    return int(_native_model(model.quantized, model.private_weights, model.salts,
                             segments=model.segments, engine="bn254").srs_log_size())


def _compile_srs(need: int, srs: Srs | None, cache_dir: str | None) -> Srs:
    """The SRS a ``bn254`` compile with ``2**need`` powers sets up with: the caller's (which
    must be big enough), else a local single-party one from the cache (made when none is big
    enough)."""
    store = SrsStore(cache_dir)
    if srs is None:
        srs, made = store.local(need)
        log.warning("using %s local single-party SRS %s (2^%d powers, id %s): whoever made it "
                    "could forge proofs; pass a ceremony SRS (--ptau) for keys others must "
                    "trust", "a new" if made else "the", srs.path, srs.log_size, srs.short_id)
    elif srs.log_size < need:
        raise SrsError(f"SRS {srs.path}: it has 2^{srs.log_size} powers, the model needs "
                       f"2^{need}")
    store.remember(srs)
    return srs


def _load_model(model: CompiledModel | bytes) -> CompiledModel:
    if isinstance(model, CompiledModel):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return CompiledModel.from_bytes(bytes(model))
    raise InputError(f"expected a CompiledModel or its bytes, got {type(model).__name__}")


def _run_prover(call: Callable[[Any], Any], segments: int,
                progress: Callable[[ProgressInfo], None] | None, poll_interval: float,
                cancel: threading.Event | None = None) -> Any:
    """Runs ``call(handle)`` (a native prover, GIL released) on a worker thread and polls
    its progress handle from this one; Ctrl-C here, or setting ``cancel``, cancels the prover
    at its next step."""
    handle = native_module().Progress()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["ok"] = call(handle)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    start = time.monotonic()
    worker = threading.Thread(target=work, name="folding-prover", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(poll_interval)
            if cancel is not None and cancel.is_set():
                handle.cancel()
            if progress is not None:
                progress(ProgressInfo(stage=handle.stage, segment=int(handle.segment),
                                      segments=segments, steps_done=int(handle.steps_done),
                                      total_steps=int(handle.total_steps),
                                      elapsed_s=time.monotonic() - start))
    except BaseException:
        handle.cancel()
        worker.join()
        raise
    if "error" in result:
        raise result["error"]
    return result["ok"]


def quantize_one(q: QuantizedModel, x: npt.ArrayLike, quantized: bool = False
                 ) -> npt.NDArray[np.int64]:
    """One input vector as the model's integers: quantized with its input scale, or (when
    ``quantized``) checked to be ``input_dim`` integers already.

    Raises:
        InputError: A wrong shape or type.
    """
    if quantized:
        arr = np.asarray(x)
        if arr.shape != (q.input_dim,) or not np.issubdtype(arr.dtype, np.integer):
            raise InputError(
                f"quantized input must be {q.input_dim} integers, got shape {arr.shape} "
                f"of {arr.dtype}"
            )
        return arr.astype(np.int64)
    x_q = q.quantize_input(x)
    if x_q.ndim != 1:
        raise InputError(f"prove takes one input vector, got shape {x_q.shape}")
    return x_q


def prove(
    model: CompiledModel | bytes,
    x: npt.ArrayLike,
    *,
    quantized: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[ProgressInfo], None] | None = None,
    poll_interval: float = 0.2,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 0,
    cancel: threading.Event | None = None,
    srs: Srs | None = None,
) -> Proof:
    """Proves one inference of ``model`` on ``x``.

    Args:
        model: A compiled model or its bytes.
        x: The input vector (floats, quantized with the model's input scale, unless
            ``quantized`` is true, in which case ``x`` holds the integer input).
        quantized: Whether ``x`` is already the integer input.
        cache_dir: Public-parameter cache (default: :func:`default_cache_dir`).
        progress: Called from this thread every ``poll_interval`` seconds while proving.
        poll_interval: Seconds between progress reports.
        checkpoint: A file to keep the proof's checkpoint in. When it holds a checkpoint of
            this very proof (same model, plan and input) the prover resumes from it; it is
            written every ``checkpoint_every`` steps, after each segment and on
            cancellation, and removed when the proof is done. Anything else in it (another
            proof's checkpoint, a corrupt file) is ignored and overwritten.
        checkpoint_every: Steps between checkpoints (0: only after segments and on cancel).
        cancel: Set it (from any thread) to stop the prover at its next step.
        srs: The ``bn254`` engine's SRS, needed only when the parameters are not cached and
            this machine does not know the SRS the model pins.

    Returns:
        The proof; ``proof.stats["resumed_from_step"]`` says where a checkpoint resumed it.

    Raises:
        InputError: If ``x`` has the wrong shape or type.
        RangeError: If the input or any layer's value leaves its range (before proving).
        CancelledError: If ``cancel`` was set (the checkpoint, if any, keeps the work done).
        ProvingError: If the prover fails.
    """
    compiled = _load_model(model)
    q = compiled.quantized
    x_q = quantize_one(q, x, quantized)
    expected = predict_int(q, x_q)  # the specification; raises RangeError naming the layer

    if checkpoint_every < 0:
        raise InputError(f"checkpoint_every must be at least 0, got {checkpoint_every}")
    ckpt = None if checkpoint is None else os.fspath(checkpoint)
    srs_path = compiled.srs_path(srs, cache_dir)
    data, stats = _run_prover(
        lambda handle: compiled.native().prove([int(v) for v in x_q], cache_path(cache_dir), handle,
                                               ckpt, checkpoint_every, srs_path),
        len(compiled.segments), progress, poll_interval, cancel)
    proof = Proof._from_native(bytes(data), q.output_scale, dict(stats))
    if list(proof.output) != [int(v) for v in expected]:
        raise ProvingError("the native forward pass disagrees with the reference (a bug)")
    if proof.model_commitment != compiled.commitment:
        raise ProvingError("the proof's model commitment differs from the compiled model's; "
                           "the parameter cache or the model file may be stale")
    return proof


#: Inputs per step of a batch proof when the caller does not choose (see BENCHMARKS.md).
DEFAULT_BATCH_ITEMS_PER_STEP = 16


def batch_verifier_key(model: CompiledModel | bytes, *,
                       items_per_step: int = DEFAULT_BATCH_ITEMS_PER_STEP,
                       cache_dir: str | os.PathLike[str] | None = None,
                       srs: Srs | None = None) -> VerifierKey:
    """The verifier key of ``model``'s batch proofs with ``items_per_step`` inputs per step
    (one key serves any batch size). Public-weight models only."""
    compiled = _load_model(model)
    q = compiled.quantized
    data = compiled.native().setup_batch(int(items_per_step), cache_path(cache_dir),
                                         compiled.srs_path(srs, cache_dir))
    return VerifierKey._of_model(bytes(data), q)


def prove_batch(
    model: CompiledModel | bytes,
    xs: npt.ArrayLike,
    *,
    items_per_step: int = DEFAULT_BATCH_ITEMS_PER_STEP,
    quantized: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[ProgressInfo], None] | None = None,
    poll_interval: float = 0.2,
    srs: Srs | None = None,
) -> tuple[Proof, VerifierKey]:
    """Proves ``B`` inferences of ``model`` in one proof, ``items_per_step`` inputs in each
    Nova step so that the weights are bound once per step, not once per input.

    Args:
        model: A compiled model (public weights) or its bytes.
        xs: Inputs ``[B, input_dim]`` (floats, or integers with ``quantized``).
        items_per_step: Inputs per step; the batch is padded with zero inputs to a multiple.
        quantized: Whether ``xs`` already holds integer inputs.
        cache_dir: Public-parameter cache (default: :func:`default_cache_dir`).
        progress: Called from this thread every ``poll_interval`` seconds while proving.
        poll_interval: Seconds between progress reports.

    Returns:
        The proof, whose ``input`` and ``output`` are the padded batch row-major (the first
        ``B`` rows are the caller's), and the batch verifier key to check it with.

    Raises:
        InputError: If ``xs`` has the wrong shape or the model has private weights.
        RangeError: If an input or a layer's value leaves its range (before proving).
    """
    compiled = _load_model(model)
    q = compiled.quantized
    arr = np.asarray(xs)
    if arr.ndim != 2 or arr.shape[1] != q.input_dim or arr.shape[0] == 0:
        raise InputError(f"a batch must be [B, {q.input_dim}] with B >= 1, got shape {arr.shape}")
    if quantized:
        if not np.issubdtype(arr.dtype, np.integer):
            raise InputError(f"quantized inputs must be integers, got {arr.dtype}")
        x_q = arr.astype(np.int64)
    else:
        x_q = np.stack([q.quantize_input(row) for row in arr])
    expected = [predict_int(q, row) for row in x_q]  # raises RangeError naming the layer
    srs_path = compiled.srs_path(srs, cache_dir)
    data, vk, stats = _run_prover(
        lambda handle: compiled.native().prove_batch([[int(v) for v in row] for row in x_q],
                                                     int(items_per_step), cache_path(cache_dir),
                                                     handle, srs_path),
        1, progress, poll_interval)
    proof = Proof._from_native(bytes(data), q.output_scale, dict(stats))
    got = np.asarray(proof.output, dtype=np.int64).reshape(-1, q.output_dim)[: len(x_q)]
    if not np.array_equal(got, np.asarray(expected, dtype=np.int64)):
        raise ProvingError("the native forward pass disagrees with the reference (a bug)")
    return proof, VerifierKey._of_model(bytes(vk), q)


def verify(
    proof: Proof | bytes,
    key: CompiledModel | VerifierKey | bytes,
    *,
    expected_input: npt.ArrayLike | None = None,
    expected_output: npt.ArrayLike | None = None,
    srs: Srs | bytes | None = None,
) -> Verified:
    """Verifies a proof against a model's verifier key.

    Args:
        proof: The proof or its bytes.
        key: The compiled model, its verifier key, or the bytes of either.
        expected_input: If given, the quantized input the proof must be about.
        expected_output: If given, the quantized output the proof must state.
        srs: The SRS (or its id) the verifier trusts (``bn254``): a key that pins another
            SRS is refused. Without it the key's own pin is accepted.

    Returns:
        What the proof establishes (commitment, input, output, logits).

    Raises:
        VerificationError: If the proof is invalid (the reason says which check failed).
        ModelMismatchError: If the proof is for another model.
        ArtefactError: If an artefact is corrupt, truncated or foreign.
    """
    if isinstance(proof, (bytes, bytearray, memoryview)):
        proof = Proof.from_bytes(bytes(proof))
    if not isinstance(proof, Proof):
        raise InputError(f"expected a Proof or its bytes, got {type(proof).__name__}")
    if isinstance(key, (bytes, bytearray, memoryview)):
        raw = bytes(key)
        kind = raw[8:9]
        key = (CompiledModel.from_bytes(raw) if kind == bytes([Kind.MODEL])
               else VerifierKey.from_bytes(raw))
    vk = key.verifier_key if isinstance(key, CompiledModel) else key
    if not isinstance(vk, VerifierKey):
        raise InputError(f"expected a verifier key or model, got {type(key).__name__}")
    prepared = vk._prepared if srs is None else vk.prepare(srs=srs)
    prepared.verify(proof.data)
    for label, claim, actual in (("input", expected_input, proof.input),
                                 ("output", expected_output, proof.output)):
        if claim is not None:
            want = [int(v) for v in np.asarray(claim).reshape(-1)]
            if want != list(actual):
                raise VerificationError(f"the proven {label} is not the expected {label}")
    logits = np.asarray(proof.output, dtype=np.float64) / vk.output_scale
    return Verified(model_commitment=proof.model_commitment, input=proof.input,
                    output=proof.output, logits=logits, outputs=_head_outputs(vk, logits))


def _head_outputs(vk: VerifierKey, logits: npt.NDArray[np.float64]) -> dict[str, Any]:
    """The key's heads applied to the proven logits (per input for a batch proof)."""
    try:
        return apply_heads(vk.heads, logits)
    except ValueError as exc:
        raise ArtefactError(f"verifier key: its output heads do not fit the output ({exc})"
                            ) from None
