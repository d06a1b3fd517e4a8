"""A pool of prover actors, in the style of Ray's ``ActorPool``, that survives workers
dying: a task whose worker dies is given to another worker (a replacement is started), and
since segment tasks carry their checkpoint file it resumes from the last checkpoint rather
than from the start. An error the task itself raises (a bad input, a range error) is that
task's result and is not retried: it would fail again."""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from folding.cluster.actors import ProverActor
from folding.cluster.runtime import check_resources, ray_module
from folding.errors import CancelledError, ClusterError

log = logging.getLogger(__name__)


@dataclass
class Task:
    """One call of a :class:`ProverActor` method: ``method(task_id, *args)``.

    Attributes:
        method: ``prove_segment`` or ``prove``.
        args: Its arguments after the task id.
        label: What the task is, for errors ("segment 3", "input 17").
        steps: Fold steps the task has, for progress.
    """

    method: str
    args: tuple[Any, ...]
    label: str
    steps: int = 0
    task_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: int = 0


class ProverPool:
    """Prover actors on the current Ray cluster (:func:`folding.cluster.connect` first).

    Args:
        workers: Actors to start.
        cache_dir: Public-parameter cache on the workers' machines (default: folding's).
        cpus_per_worker: CPUs Ray reserves for each actor.
        threads_per_worker: Rayon threads of each actor's prover (default: its CPUs).
        keep_segments: Segment keys each actor keeps in memory.
        max_attempts: Times a task is started before its workers' deaths fail it.
        start_timeout_s: How long the actors may take to start.

    Raises:
        ClusterError: Ray is missing, the cluster lacks the CPUs, or the actors did not
            start in time.
    """

    def __init__(self, workers: int = 1, *, cache_dir: str | None = None,
                 cpus_per_worker: float = 1.0, threads_per_worker: int | None = None,
                 keep_segments: int = 4, max_attempts: int = 3,
                 start_timeout_s: float = 300.0) -> None:
        if workers < 1:
            raise ClusterError(f"a pool needs at least one worker, got {workers}")
        ray = ray_module()
        check_resources(workers, cpus_per_worker)
        threads = threads_per_worker or max(1, int(cpus_per_worker))
        # Threaded actors: progress and cancel are answered while a prove call runs.
        self._cls = ray.remote(ProverActor).options(
            num_cpus=cpus_per_worker, max_concurrency=4,
            runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(threads)}})
        self._args = (cache_dir, keep_segments)
        self.max_attempts = max_attempts
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()  # one run at a time uses the whole pool
        self.actors = [self._cls.remote(*self._args) for _ in range(workers)]
        self.replaced = 0
        try:
            ray.get([a.pid.remote() for a in self.actors], timeout=start_timeout_s)
        except ray.exceptions.GetTimeoutError as exc:
            self.close()
            raise ClusterError(f"{workers} prover workers did not start within "
                               f"{start_timeout_s:g} s; is the cluster busy?") from exc

    @property
    def size(self) -> int:
        return len(self.actors)

    def pids(self) -> list[int]:
        """Process ids of the actors (for tests and operators)."""
        ray = ray_module()
        return [int(p) for p in ray.get([a.pid.remote() for a in self.actors])]

    def _replace(self, dead: Any) -> Any:
        ray = ray_module()
        with contextlib.suppress(Exception):  # already gone
            ray.kill(dead, no_restart=True)
        fresh = self._cls.remote(*self._args)
        with self._lock:
            self.actors[self.actors.index(dead)] = fresh
            self.replaced += 1
        return fresh

    def run(self, tasks: Sequence[Task], *,
            on_poll: Callable[[int, int], None] | None = None, poll_interval: float = 0.5,
            cancel: threading.Event | None = None) -> list[Any]:
        """Runs the tasks on the pool; returns their results in order, an exception object
        in place of a task that failed.

        Runs take turns: a second caller waits for the first run to end.

        Args:
            tasks: The calls to make.
            on_poll: Called every ``poll_interval`` seconds with the steps of the finished
                tasks and the steps the running ones have folded so far.
            poll_interval: Seconds between polls.
            cancel: When set, running tasks are cancelled (they checkpoint) and queued
                ones are not started; their results are ``CancelledError``.
        """
        with self._run_lock:
            return self._run(tasks, on_poll, poll_interval, cancel)

    def _run(self, tasks: Sequence[Task], on_poll: Callable[[int, int], None] | None,
             poll_interval: float, cancel: threading.Event | None) -> list[Any]:
        ray = ray_module()
        pending: deque[Task] = deque(tasks)
        running: dict[Any, tuple[Task, Any]] = {}
        idle = list(self.actors)
        results: dict[str, Any] = {}
        done_steps = 0
        cancelled = False
        while pending or running:
            if cancel is not None and cancel.is_set() and not cancelled:
                cancelled = True
                for t in pending:
                    results[t.task_id] = CancelledError(f"{t.label} was cancelled")
                pending.clear()
                for t, actor in running.values():
                    actor.cancel.remote(t.task_id)
            while pending and idle:
                task, actor = pending.popleft(), idle.pop()
                task.attempts += 1
                ref = getattr(actor, task.method).remote(task.task_id, *task.args)
                running[ref] = (task, actor)
            ready, _ = ray.wait(list(running), num_returns=1, timeout=poll_interval)
            for ref in ready:
                task, actor = running.pop(ref)
                try:
                    results[task.task_id] = ray.get(ref)
                    done_steps += task.steps
                    idle.append(actor)
                except ray.exceptions.RayActorError as exc:
                    log.warning("a prover worker died; %s goes to another worker", task.label)
                    idle.append(self._replace(actor))
                    if task.attempts >= self.max_attempts:
                        results[task.task_id] = ClusterError(
                            f"{task.label}: its worker died {task.attempts} times ({exc})")
                    elif cancelled:
                        results[task.task_id] = CancelledError(f"{task.label} was cancelled")
                    else:
                        pending.appendleft(task)
                except ray.exceptions.RayTaskError as exc:
                    results[task.task_id] = getattr(exc, "cause", None) or exc
                    idle.append(actor)
            if on_poll is not None:
                on_poll(done_steps, self._running_steps(running))
        return [results[t.task_id] for t in tasks]

    def _running_steps(self, running: dict[Any, tuple[Task, Any]]) -> int:
        ray = ray_module()
        actors = {id(a): a for _, a in running.values()}
        ids = {t.task_id for t, _ in running.values()}
        try:
            reports = ray.get([a.progress.remote() for a in actors.values()], timeout=10)
        except Exception:  # noqa: BLE001 - a dying worker reports nothing
            return 0
        return sum(n for report in reports for t, n in report.items() if t in ids)

    def close(self) -> None:
        """Stops the actors."""
        ray = ray_module()
        for actor in self.actors:
            with contextlib.suppress(Exception):  # already gone
                ray.kill(actor, no_restart=True)
        self.actors = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
