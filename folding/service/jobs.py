"""The job runner: a queue of proof jobs, worker threads that prove them through
:func:`folding.api.prove`, live progress, cancellation, checkpoints and drain.

Guarantees, given the store's transactions:

- an accepted job is never lost: it is stored before submit returns, and jobs found running
  at startup (a crash) go back to the queue;
- a job is never proven twice: it succeeds once (a proof written by an attempt that crashed
  before recording it is picked up, not proven again), and a resumed attempt continues from
  the job's last checkpoint (every ``checkpoint_every`` steps, each segment, and on drain);
- a client's cancel ends a job CANCELLED; a drain (SIGTERM) checkpoints running jobs and
  leaves them queued for the next start.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from folding import api
from folding.api import ProgressInfo, Proof
from folding.errors import (
    ArtefactError,
    CancelledError,
    FoldingError,
    InputError,
    ModelImportError,
    QuantizationError,
    RangeError,
)
from folding.service.config import ServiceConfig
from folding.service.metrics import Metrics
from folding.service.models import ModelRegistry
from folding.service.store import (
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    ArtefactStore,
    JobRecord,
    JobStore,
)
from folding.srs import SrsStore

log = logging.getLogger(__name__)

_PERSIST_PROGRESS_S = 2.0


class JobFinishedError(Exception):
    """The job has finished already (it cannot be cancelled)."""


def error_code(exc: BaseException) -> str:
    """The status code name a failed job reports for ``exc``."""
    if isinstance(exc, (RangeError, InputError, ModelImportError, QuantizationError)):
        return "INVALID_ARGUMENT"
    if isinstance(exc, ArtefactError):
        return "DATA_LOSS"
    return "INTERNAL"


@dataclass
class _Live:
    """Progress of a running attempt, sampled from the prover."""

    stage: str = "compile"
    segment: int = 0
    segments: int = 0
    steps_done: int = 0
    total_steps: int = 0
    started: float = 0.0
    first_step: int | None = None  # steps_done when this attempt's first report came
    persisted: float = 0.0


class JobRunner:
    """Runs queued jobs on ``config.workers`` threads.

    Args:
        store: The job store.
        files: Proofs and checkpoints.
        models: Compiled variants.
        config: Limits and settings.
        metrics: Where latencies and failures are counted.
    """

    def __init__(self, store: JobStore, files: ArtefactStore, models: ModelRegistry,
                 config: ServiceConfig, metrics: Metrics) -> None:
        self._store, self._files, self._models = store, files, models
        self._config, self._metrics = config, metrics
        self._cv = threading.Condition()
        self._queue: deque[str] = deque()
        self._live: dict[str, _Live] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._client_cancelled: set[str] = set()
        self._draining = False
        self._threads: list[threading.Thread] = []
        self._pool: Any = None  # a folding.cluster.ProverPool when proving on Ray

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Requeues jobs a crash left running, queues every queued job, starts the workers
        (and, with ``ray_address``, the cluster's prover pool)."""
        if self._config.ray_address is not None:
            from folding import cluster

            cluster.connect(self._config.ray_address or None)
            self._pool = cluster.ProverPool(workers=self._config.ray_workers,
                                            cache_dir=str(self._config.params_dir))
        for job_id in self._store.requeue_running():
            log.info("requeued a job left running", extra={"job_id": job_id})
        with self._cv:
            self._queue.extend(j.job_id for j in self._store.queued())
        self._threads = [threading.Thread(target=self._work, name=f"folding-job-worker-{i}",
                                          daemon=True) for i in range(self._config.workers)]
        for t in self._threads:
            t.start()

    def start_draining(self) -> None:
        """Stops taking jobs and asks running ones to checkpoint and stop."""
        with self._cv:
            self._draining = True
            for event in self._cancel.values():
                event.set()
            self._cv.notify_all()

    def drain(self, timeout_s: float) -> bool:
        """:meth:`start_draining`, then waits up to ``timeout_s`` for the workers. Returns
        whether every worker stopped in time."""
        self.start_draining()
        deadline = time.monotonic() + timeout_s
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stopped = not any(t.is_alive() for t in self._threads)
        if self._pool is not None and stopped:
            self._pool.close()
        return stopped

    @property
    def draining(self) -> bool:
        return self._draining

    # -- requests -----------------------------------------------------------------------------

    def enqueue(self, job_id: str) -> None:
        with self._cv:
            self._queue.append(job_id)
            self._cv.notify()

    def cancel(self, job_id: str) -> JobRecord:
        """Cancels a queued job at once, a running one at its next step.

        Raises:
            KeyError: No such job.
            JobFinishedError: The job has finished.
        """
        with self._cv:
            job = self._store.transition(job_id, [QUEUED], state=CANCELLED,
                                         finished_at=time.time(), stage="cancelled")
            if job is not None:
                self._metrics.jobs_finished.labels(CANCELLED.lower()).inc()
                return job
            job = self._store.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.terminal:
                raise JobFinishedError(f"job {job_id} has finished ({job.state})")
            self._client_cancelled.add(job_id)
            event = self._cancel.get(job_id)
            if event is not None:
                event.set()
            return self.snapshot(job_id) or job

    def snapshot(self, job_id: str) -> JobRecord | None:
        """The stored job with its live progress merged in."""
        job = self._store.get(job_id)
        if job is None:
            return None
        live = self._live.get(job_id)
        if live is None or job.state != RUNNING:
            return job
        return replace(job, stage=live.stage, segment=live.segment, segments=live.segments,
                       steps_done=live.steps_done, total_steps=live.total_steps)

    def rate_and_eta(self, job: JobRecord) -> tuple[float, float, float]:
        """Steps per second of the running attempt, seconds to the last step, seconds since
        the attempt started (zeros when not running)."""
        live = self._live.get(job.job_id)
        if live is None or job.state != RUNNING:
            return 0.0, 0.0, 0.0
        elapsed = time.monotonic() - live.started
        done = job.steps_done - (live.first_step or 0)
        rate = done / elapsed if elapsed > 0 and done > 0 else 0.0
        eta = (job.total_steps - job.steps_done) / rate if rate > 0 else 0.0
        return rate, eta, elapsed

    # -- workers ------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._draining:
                    self._cv.wait()
                if self._draining:
                    return
                job_id = self._queue.popleft()
            try:
                self._run(job_id)
            except Exception:  # a worker must survive any one job (logged)
                log.exception("job runner failed", extra={"job_id": job_id})

    def _run(self, job_id: str) -> None:
        queued = self._store.get(job_id)
        if queued is None or queued.state != QUEUED:
            return  # cancelled while queued
        cancel = threading.Event()
        live = _Live(started=time.monotonic())
        with self._cv:
            if self._draining:
                return
            job = self._store.transition(job_id, [QUEUED], state=RUNNING,
                                         attempts=queued.attempts + 1, started_at=time.time(),
                                         stage="compile", error_code="", error_message="")
            if job is None:
                return
            self._cancel[job_id], self._live[job_id] = cancel, live
        log.info("job started", extra={"job_id": job_id, "attempt": job.attempts})
        try:
            proof = self._stored_proof(job) or self._prove(job, live, cancel)
        except CancelledError:
            self._stopped(job)
        except Exception as exc:  # every failure is the job's result
            code = error_code(exc)
            if not isinstance(exc, FoldingError):
                log.exception("job failed unexpectedly", extra={"job_id": job_id})
            self._finish(job, FAILED, error_code=code, error_message=str(exc) or repr(exc))
            self._metrics.failures.labels(code).inc()
        else:
            self._finish(job, SUCCEEDED, commitment=proof.model_commitment,
                         output=tuple(int(v) for v in proof.output),
                         logits=tuple(float(v) for v in proof.logits),
                         proof_bytes=self._files.proof(job_id).stat().st_size,
                         resumed_from_step=int(proof.stats.get("resumed_from_step", 0)),
                         steps_done=live.total_steps or job.total_steps,
                         total_steps=live.total_steps or job.total_steps)
        finally:
            with self._cv:
                self._cancel.pop(job_id, None)
                self._live.pop(job_id, None)
                self._client_cancelled.discard(job_id)

    def _stored_proof(self, job: JobRecord) -> Proof | None:
        """A proof an earlier attempt wrote before a crash kept it from recording success."""
        path = self._files.proof(job.job_id)
        if not path.exists():
            return None
        try:
            proof = Proof.from_bytes(path.read_bytes())
        except ArtefactError:
            path.unlink(missing_ok=True)
            return None
        log.info("found the proof of an earlier attempt", extra={"job_id": job.job_id})
        return proof

    def _prove(self, job: JobRecord, live: _Live, cancel: threading.Event) -> Proof:
        start = time.perf_counter()
        compiled = self._models.compiled(job.model_id, job.options)
        self._metrics.stage_seconds.labels("compile").observe(time.perf_counter() - start)
        live.segments = len(compiled.segments)
        live.total_steps = sum(n for _, n, _ in compiled.segments)
        if cancel.is_set():
            raise CancelledError("cancelled before proving started")

        def report(info: ProgressInfo) -> None:
            live.stage, live.segment, live.segments = info.stage, info.segment, info.segments
            live.steps_done, live.total_steps = info.steps_done, info.total_steps
            if live.first_step is None and info.total_steps:
                live.first_step = info.steps_done
            now = time.monotonic()
            if now - live.persisted >= _PERSIST_PROGRESS_S:
                live.persisted = now
                self._store.update(job.job_id, stage=live.stage, segment=live.segment,
                                   segments=live.segments, steps_done=live.steps_done,
                                   total_steps=live.total_steps)

        start = time.perf_counter()
        if self._pool is not None:
            from folding import cluster

            pinned = compiled.verifier_key.srs_id
            srs = None if pinned is None else SrsStore(self._config.params_dir).find(pinned)
            proof = cluster.prove(compiled, job.input, pool=self._pool,
                                  checkpoint_dir=self._files.checkpoint_dir(job.job_id),
                                  checkpoint_every=self._config.checkpoint_every or 8,
                                  progress=report, poll_interval=self._config.poll_interval_s,
                                  cancel=cancel, srs=srs)
            shutil.rmtree(self._files.checkpoint_dir(job.job_id), ignore_errors=True)
        else:
            proof = api.prove(compiled, job.input, cache_dir=self._config.params_dir,
                              progress=report, poll_interval=self._config.poll_interval_s,
                              checkpoint=self._files.checkpoint(job.job_id),
                              checkpoint_every=self._config.checkpoint_every, cancel=cancel)
        self._metrics.stage_seconds.labels("prove").observe(time.perf_counter() - start)
        for stage in ("setup", "witness", "fold", "compress"):
            self._metrics.stage_seconds.labels(stage).observe(float(proof.stats[f"{stage}_s"]))
        self._files.write(self._files.proof(job.job_id), proof.to_bytes())
        return proof

    def _stopped(self, job: JobRecord) -> None:
        """A cancelled attempt: CANCELLED if the client asked, else (drain) queued again with
        its checkpoint kept."""
        if job.job_id in self._client_cancelled:
            self._files.checkpoint(job.job_id).unlink(missing_ok=True)
            shutil.rmtree(self._files.checkpoint_dir(job.job_id), ignore_errors=True)
            self._finish(job, CANCELLED)
        else:
            self._store.transition(job.job_id, [RUNNING], state=QUEUED, stage="queued")
            log.info("job checkpointed for the next start", extra={"job_id": job.job_id})

    def _finish(self, job: JobRecord, state: str, **fields: Any) -> None:
        self._store.transition(job.job_id, [RUNNING], state=state, finished_at=time.time(),
                               stage=state.lower(), **fields)
        self._metrics.jobs_finished.labels(state.lower()).inc()
        log.info("job finished", extra={"job_id": job.job_id, "state": state,
                                        "error": fields.get("error_message", "")})
