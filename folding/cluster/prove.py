"""Proofs on a prover pool: one inference with its segments proven at once, and a batch of
inputs with one proof each."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from folding import api, proofs
from folding.api import CompiledModel, ProgressInfo, Proof, quantize_one
from folding.cluster.actors import ModelSpec
from folding.cluster.pool import ProverPool, Task
from folding.cluster.runtime import cluster_gpus, ray_module
from folding.cluster.witness import segment_step_inputs
from folding.errors import FoldingError, InputError, ProvingError
from folding.reference import predict_int
from folding.srs import Srs


def with_segments(model: CompiledModel, segments: int, *,
                  cache_dir: str | os.PathLike[str] | None = None,
                  srs: Srs | None = None) -> CompiledModel:
    """The model re-planned so that its longest run of one step shape is cut into
    ``segments`` segments (at step boundaries), to be proven on that many workers at once.

    The new plan has a new verifier key (set up here, or loaded from the parameter cache),
    so the model commitment changes; the weights, salts and arithmetic do not.
    """
    if segments < 1:
        raise InputError(f"segments must be at least 1, got {segments}")
    longest = max(steps for _, steps, _ in model.segments)
    if segments == 1 and len(model.segments) == 1:
        return model
    per_step = max(model.segments, key=lambda s: s[1])[2]
    native = api._native_model(model.quantized, model.private_weights, model.salts,
                               layers_per_step=per_step,
                               max_segment_steps=math.ceil(longest / segments),
                               engine=model.engine)
    plan = tuple((int(s["first_layer"]), int(s["num_steps"]), int(s["layers_per_step"]))
                 for s in native.plan())
    vk = api.VerifierKey._of_model(native.setup(proofs.cache_path(cache_dir),
                                                model.srs_path(srs, cache_dir)),
                                   model.quantized)
    out = CompiledModel(quantized=model.quantized, private_weights=model.private_weights,
                        segments=plan, verifier_key=vk, salts=model.salts, source=model.source)
    object.__setattr__(out, "_native_model", native)
    return out


def _raise_first(results: list[Any]) -> None:
    for r in results:
        if isinstance(r, BaseException):
            raise r


def prove(model: CompiledModel, x: npt.ArrayLike, *, pool: ProverPool,
          quantized: bool = False, checkpoint_dir: str | os.PathLike[str] | None = None,
          checkpoint_every: int = 8,
          progress: Callable[[ProgressInfo], None] | None = None,
          poll_interval: float = 0.5, cancel: threading.Event | None = None,
          srs: Srs | None = None) -> Proof:
    """Proves one inference with its segments folded on the pool's workers at once.

    Witnesses (the activations entering each step) come from one Ray task, a GPU task when
    the cluster has GPUs, and reach each worker through the object store. Each segment
    proof is checkpointed in ``checkpoint_dir``, which every worker must see (the local disk
    on one machine, shared storage on a cluster; a temporary directory when not given): a
    segment whose worker dies resumes there on another worker. The result is one proof
    artefact that :func:`folding.verify` checks against ``model``'s verifier key, stating
    what :func:`folding.prove` states.

    Raises:
        InputError, RangeError: A bad input (before any worker starts).
        CancelledError: ``cancel`` was set (the checkpoints keep the work done).
        ClusterError: Workers kept dying, or the cluster lacks resources.
        ProvingError: A worker's prover failed.
    """
    ray = ray_module()
    x_q = quantize_one(model.quantized, x, quantized)
    predict_int(model.quantized, x_q)  # range errors name the layer, before any work
    spec_ref = ray.put(ModelSpec.of(model, model.srs_path(srs)))
    segments = list(model.segments)
    witness_task = ray.remote(segment_step_inputs).options(
        num_returns=len(segments), num_gpus=0.25 if cluster_gpus() > 0 else 0,
        num_cpus=0,  # short; it must not wait for CPUs the prover actors hold
        max_retries=3)
    witness_refs = witness_task.remote(model.quantized, segments, x_q)
    if len(segments) == 1:
        witness_refs = [witness_refs]

    own_dir = checkpoint_dir is None
    ckpt_dir = Path(tempfile.mkdtemp(prefix="folding-ckpt-")) if checkpoint_dir is None \
        else Path(checkpoint_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    x_list = [int(v) for v in x_q]
    tasks = [Task("prove_segment",
                  (spec_ref, si, x_list, witness_refs[si], str(ckpt_dir / f"segment-{si}.ckpt"),
                   checkpoint_every),
                  label=f"segment {si}", steps=steps)
             for si, (_, steps, _) in enumerate(segments)]
    total = sum(t.steps for t in tasks)
    start = time.monotonic()

    def report(finished: int, running: int) -> None:
        if progress is not None:
            progress(ProgressInfo(stage="fold", segment=0, segments=len(segments),
                                  steps_done=finished + running, total_steps=total,
                                  elapsed_s=time.monotonic() - start))

    results = pool.run(tasks, on_poll=report, poll_interval=poll_interval, cancel=cancel)
    _raise_first(results)
    parts = [data for data, _ in results]
    data = model.native().assemble(x_list, parts, model.commitment, model.verifier_key.srs_id)
    if own_dir:
        shutil.rmtree(ckpt_dir, ignore_errors=True)
    stats = _merge_stats([s for _, s in results], time.monotonic() - start, pool)
    proof = Proof._from_native(bytes(data), model.quantized.output_scale, stats)
    if proof.model_commitment != model.commitment:  # pragma: no cover - assemble sets it
        raise ProvingError("the assembled proof names another model")
    return proof


def _merge_stats(parts: list[dict[str, Any]], wall_s: float, pool: ProverPool
                 ) -> dict[str, Any]:
    """Per-segment stats of the workers, with sums (CPU-seconds over all workers)."""
    keys = ("setup_s", "witness_s", "fold_s", "compress_s")
    out: dict[str, Any] = {k: sum(float(p[k]) for p in parts) for k in keys}
    out["segments"] = [seg for p in parts for seg in p["segments"]]
    out["cached_segments"] = sum(int(p["cached_segments"]) for p in parts)
    out["resumed_from_step"] = max((int(p["resumed_from_step"]) for p in parts), default=0)
    out["wall_s"] = wall_s
    out["workers"] = pool.size
    out["workers_replaced"] = pool.replaced
    return out


def prove_batch(model: CompiledModel, xs: npt.ArrayLike, *, pool: ProverPool,
                quantized: bool = False,
                progress: Callable[[int, int], None] | None = None,
                poll_interval: float = 0.5, srs: Srs | None = None) -> list[Proof | FoldingError]:
    """Proves each input on its own across the pool; returns, in input order, each input's
    proof or the error that input met (a bad input does not stop the others).

    Args:
        progress: Called with (inputs finished, inputs) as results come in.
    """
    rows = np.asarray(xs)
    if rows.ndim != 2:
        raise InputError(f"a batch is [n, {model.quantized.input_dim}], got shape {rows.shape}")
    ray = ray_module()
    spec_ref = ray.put(ModelSpec.of(model, model.srs_path(srs)))
    scale = model.quantized.output_scale
    tasks: list[Task] = []
    early: dict[int, FoldingError] = {}
    for i, row in enumerate(rows):
        try:
            x_q = quantize_one(model.quantized, row, quantized)
            predict_int(model.quantized, x_q)
        except FoldingError as exc:
            early[i] = exc
            continue
        tasks.append(Task("prove", (spec_ref, [int(v) for v in x_q], scale, None, 0),
                          label=f"input {i}", steps=1))
    finished = {"n": len(early)}

    def report(proven: int, _running_steps: int) -> None:
        if progress is not None:
            progress(finished["n"] + proven, len(rows))

    results = iter(pool.run(tasks, on_poll=report, poll_interval=poll_interval))
    out: list[Proof | FoldingError] = []
    for i in range(len(rows)):
        if i in early:
            out.append(early[i])
            continue
        r = next(results)
        if isinstance(r, FoldingError):
            out.append(r)
        elif isinstance(r, BaseException):
            out.append(ProvingError(f"input {i}: {r}"))
        else:
            out.append(Proof.from_bytes(r))
    return out
