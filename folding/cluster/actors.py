"""The prover actor: a long-lived Ray worker that proves segments of one inference, or whole
inferences, of compiled models. It keeps each model's native form and the keys of its recent
segment shapes in memory (loaded once from the on-disk parameter cache), and answers
progress and cancel calls while it proves (the prover releases the GIL)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from folding import api, proofs
from folding.api import Proof
from folding.quant_ir import QuantizedModel


@dataclass(frozen=True)
class ModelSpec:
    """What a worker needs of a compiled model to prove it: no verifier key (tens of MB in
    public-weight mode), which the driver keeps. Put in the object store once per job."""

    commitment: bytes
    quantized: QuantizedModel
    private_weights: bool
    salts: tuple[bytes, ...]
    segments: tuple[tuple[int, int, int], ...]
    engine: str = api.DEFAULT_ENGINE
    #: The bn254 SRS file (the driver's path; workers elsewhere need it at the same path, or
    #: the parameters cached).
    srs_path: str | None = None

    @classmethod
    def of(cls, model: api.CompiledModel, srs_path: str | None = None) -> ModelSpec:
        return cls(model.commitment, model.quantized, model.private_weights, model.salts,
                   tuple(tuple(s) for s in model.segments),  # type: ignore[misc]
                   model.engine, srs_path)


class ProverActor:
    """One prover worker (wrapped by ``ray.remote`` in :class:`folding.cluster.ProverPool`).

    Args:
        cache_dir: Public-parameter cache on this worker's machine.
        keep_segments: Segment keys kept in memory between calls.
    """

    def __init__(self, cache_dir: str | None, keep_segments: int) -> None:
        proofs.native_module().keep_keys_in_memory(keep_segments)
        self._cache = cache_dir
        self._models: dict[bytes, Any] = {}
        self._lock = threading.Lock()
        self._running: dict[str, Any] = {}  # task id -> native progress handle

    def pid(self) -> int:
        return os.getpid()

    def _native(self, spec: ModelSpec) -> Any:
        with self._lock:
            native = self._models.get(spec.commitment)
            if native is None:
                native = api._native_model(spec.quantized, spec.private_weights, spec.salts,
                                           segments=spec.segments, engine=spec.engine)
                self._models = {spec.commitment: native}  # one model at a time
            return native

    def _start(self, task_id: str) -> Any:
        handle = proofs.native_module().Progress()
        with self._lock:
            self._running[task_id] = handle
        return handle

    def _end(self, task_id: str) -> None:
        with self._lock:
            self._running.pop(task_id, None)

    def prove_segment(self, task_id: str, spec: ModelSpec, segment: int, x_q: list[int],
                      step_inputs: np.ndarray, checkpoint: str | None,
                      checkpoint_every: int) -> tuple[bytes, dict[str, Any]]:
        """One segment's proof (its encoding) and stats, resuming from ``checkpoint``."""
        handle = self._start(task_id)
        try:
            data, stats = self._native(spec).prove_segment(
                segment, x_q, step_inputs.tolist(), self._cache, handle, checkpoint,
                checkpoint_every, spec.srs_path)
            return bytes(data), dict(stats)
        finally:
            self._end(task_id)

    def prove(self, task_id: str, spec: ModelSpec, x_q: list[int], output_scale: float,
              checkpoint: str | None, checkpoint_every: int) -> bytes:
        """A whole proof of one inference, as a proof artefact."""
        handle = self._start(task_id)
        try:
            data, stats = self._native(spec).prove(x_q, self._cache, handle, checkpoint,
                                                   checkpoint_every, spec.srs_path)
            return Proof._from_native(bytes(data), output_scale, dict(stats)).to_bytes()
        finally:
            self._end(task_id)

    def progress(self) -> dict[str, int]:
        """Steps folded so far by each running task."""
        with self._lock:
            return {t: int(h.steps_done) for t, h in self._running.items()}

    def cancel(self, task_id: str) -> None:
        """Stops a running task at its next step (it checkpoints first)."""
        with self._lock:
            handle = self._running.get(task_id)
        if handle is not None:
            handle.cancel()
