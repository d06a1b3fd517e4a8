"""Persistence of a proving server: jobs and model metadata in SQLite, artefacts on disk.

Every state change is one SQLite transaction in WAL mode with ``synchronous=FULL``, so a job
whose submit returned is on disk before the client hears of it, and a crash at any point
leaves each job in exactly one state. Artefacts (models, compiled variants, proofs) are
written to a temporary file, synced and renamed, so a file under its final name is whole.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)


class QueueFullError(Exception):
    """The queue holds ``max_queue`` jobs already."""


class RequestConflictError(Exception):
    """A ``request_id`` was reused for a different request."""


@dataclass(frozen=True)
class Options:
    """How a model is compiled (one compiled variant per distinct value)."""

    private_weights: bool = False
    layers_per_step: int = 0  # 0: the planner chooses
    engine: str = "pasta"

    @property
    def key(self) -> str:
        """A file-name-safe key of the variant (the default engine's keys keep their
        earlier names)."""
        mode = "private" if self.private_weights else "public"
        engine = "" if self.engine == "pasta" else f"-{self.engine}"
        return f"{mode}-k{self.layers_per_step or 'auto'}{engine}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Options:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class JobRecord:
    """One job, as stored."""

    job_id: str
    model_id: str
    options: Options
    input: tuple[float, ...]
    request_id: str | None = None
    state: str = QUEUED
    error_code: str = ""
    error_message: str = ""
    created_at: float = 0.0
    started_at: float = 0.0
    finished_at: float = 0.0
    attempts: int = 0
    resumed_from_step: int = 0
    commitment: bytes = b""
    output: tuple[int, ...] = ()
    logits: tuple[float, ...] = ()
    proof_bytes: int = 0
    stage: str = "queued"
    segment: int = 0
    segments: int = 0
    steps_done: int = 0
    total_steps: int = 0
    seq: int = field(default=0, compare=False)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


_JSON_FIELDS = {"input", "output", "logits"}
_COLUMNS = [f.name for f in fields(JobRecord) if f.name != "seq"]


def _to_row(job: JobRecord) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in _COLUMNS:
        value = getattr(job, name)
        if name in _JSON_FIELDS:
            value = json.dumps(list(value))
        elif name == "options":
            value = value.to_json()
        row[name] = value
    return row


def _from_row(row: sqlite3.Row) -> JobRecord:
    values: dict[str, Any] = {}
    for name in (*_COLUMNS, "seq"):
        value = row[name]
        if name in _JSON_FIELDS:
            value = tuple(json.loads(value))
        elif name == "options":
            value = Options.from_json(value)
        elif name == "commitment":
            value = bytes(value or b"")
        values[name] = value
    return JobRecord(**values)


class JobStore:
    """Jobs, models and compiled variants in one SQLite file (safe to share across threads).

    Args:
        path: The database file (created with its schema if missing).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        with self._lock, self._db:
            self._db.executescript(f"""
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');
                CREATE TABLE IF NOT EXISTS models (
                    model_id TEXT PRIMARY KEY, size_bytes INTEGER NOT NULL,
                    info TEXT NOT NULL, created_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS variants (
                    model_id TEXT NOT NULL, options TEXT NOT NULL, info TEXT NOT NULL,
                    PRIMARY KEY (model_id, options));
                CREATE TABLE IF NOT EXISTS jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL UNIQUE, model_id TEXT NOT NULL,
                    options TEXT NOT NULL, input TEXT NOT NULL, request_id TEXT UNIQUE,
                    state TEXT NOT NULL, error_code TEXT, error_message TEXT,
                    created_at REAL, started_at REAL, finished_at REAL,
                    attempts INTEGER, resumed_from_step INTEGER, commitment BLOB,
                    output TEXT, logits TEXT, proof_bytes INTEGER, stage TEXT,
                    segment INTEGER, segments INTEGER, steps_done INTEGER,
                    total_steps INTEGER);
                CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
            """)
        version = self._db.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if int(version) != SCHEMA_VERSION:
            raise RuntimeError(f"job store {path} has schema {version}, this server reads "
                               f"{SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- jobs ---------------------------------------------------------------------------------

    def submit(self, model_id: str, options: Options, x: Sequence[float],
               request_id: str | None, max_queue: int) -> tuple[JobRecord, bool]:
        """Stores a new queued job, or returns the job of an earlier submit with the same
        ``request_id``; the flag says whether the job is new.

        Raises:
            RequestConflictError: ``request_id`` names a job of another model, options or input.
            QueueFullError: ``max_queue`` jobs are queued already.
        """
        job = JobRecord(job_id=uuid.uuid4().hex, model_id=model_id, options=options,
                        input=tuple(float(v) for v in x), request_id=request_id or None,
                        created_at=time.time())
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if job.request_id is not None:
                row = self._db.execute("SELECT * FROM jobs WHERE request_id = ?",
                                       (job.request_id,)).fetchone()
                if row is not None:
                    old = _from_row(row)
                    if (old.model_id, old.options, old.input) != (model_id, options, job.input):
                        raise RequestConflictError(
                            f"request_id {request_id!r} was used for job {old.job_id} with a "
                            "different model, options or input")
                    return old, False
            queued = self._db.execute("SELECT COUNT(*) FROM jobs WHERE state = ?",
                                      (QUEUED,)).fetchone()[0]
            if queued >= max_queue:
                raise QueueFullError(f"the queue is full ({queued} jobs waiting)")
            row = _to_row(job)
            cur = self._db.execute(
                f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()))
            return replace(job, seq=int(cur.lastrowid or 0)), True

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else _from_row(row)

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Changes some fields of a job in one transaction; returns the new record."""
        new = self.transition(job_id, (), **changes)
        if new is None:
            raise KeyError(job_id)
        return new

    def transition(self, job_id: str, from_states: Iterable[str], **changes: Any
                   ) -> JobRecord | None:
        """Like :meth:`update`, but only when the job is in one of ``from_states`` (checked
        in the same transaction; no states: any state); None when it was not (or there is
        no such job)."""
        states = tuple(from_states)
        probe = replace(JobRecord(job_id="", model_id="", options=Options(), input=()),
                        **changes)
        row = {k: v for k, v in _to_row(probe).items() if k in changes}
        in_states = f" AND state IN ({', '.join('?' * len(states))})" if states else ""
        with self._lock, self._db:
            cur = self._db.execute(
                f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in row)} WHERE job_id = ?"
                + in_states, (*row.values(), job_id, *states))
            if cur.rowcount == 0:
                return None
            new = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _from_row(new)

    def list_jobs(self, states: Sequence[str] = (), model_id: str | None = None,
                  limit: int = 100, before_seq: int | None = None) -> list[JobRecord]:
        """Jobs newest first, filtered by state and model, from before ``before_seq``."""
        where: list[str] = []
        args: list[str | int] = []
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            args.extend(states)
        if model_id:
            where.append("model_id = ?")
            args.append(model_id)
        if before_seq is not None:
            where.append("seq < ?")
            args.append(before_seq)
        sql = "SELECT * FROM jobs" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq DESC LIMIT ?",
                                    (*args, limit)).fetchall()
        return [_from_row(r) for r in rows]

    def queued(self) -> list[JobRecord]:
        """Queued jobs, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE state = ? ORDER BY seq",
                                    (QUEUED,)).fetchall()
        return [_from_row(r) for r in rows]

    def requeue_running(self) -> list[str]:
        """At startup: jobs left running by a crash go back to the queue (they resume from
        their checkpoints); returns their ids."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            rows = self._db.execute("SELECT job_id FROM jobs WHERE state = ?",
                                    (RUNNING,)).fetchall()
            self._db.execute("UPDATE jobs SET state = ?, stage = 'queued' WHERE state = ?",
                             (QUEUED, RUNNING))
        return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        """Jobs per state."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        counts = dict.fromkeys(STATES, 0)
        counts.update({r[0]: r[1] for r in rows})
        return counts

    # -- models -------------------------------------------------------------------------------

    def put_model(self, model_id: str, size_bytes: int, info: dict[str, Any]) -> bool:
        """Records an uploaded model; False when it was there already."""
        with self._lock, self._db:
            cur = self._db.execute("INSERT OR IGNORE INTO models VALUES (?, ?, ?, ?)",
                                   (model_id, size_bytes, json.dumps(info), time.time()))
            return cur.rowcount == 1

    def get_model(self, model_id: str) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute("SELECT size_bytes, info FROM models WHERE model_id = ?",
                                   (model_id,)).fetchone()
        return None if row is None else (int(row[0]), json.loads(row[1]))

    def put_variant(self, model_id: str, options: Options, info: dict[str, Any]) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO variants VALUES (?, ?, ?)",
                             (model_id, options.to_json(), json.dumps(info)))

    def variants(self, model_id: str) -> list[tuple[Options, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT options, info FROM variants WHERE model_id = ? "
                                    "ORDER BY options", (model_id,)).fetchall()
        return [(Options.from_json(r[0]), json.loads(r[1])) for r in rows]


class ArtefactStore:
    """Files under the data directory: uploaded models by content, compiled variants,
    proofs and checkpoints by job."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("models", "compiled", "proofs", "checkpoints", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def model(self, model_id: str) -> Path:
        return self.root / "models" / f"{model_id}.onnx"

    def variant(self, model_id: str, options: Options) -> Path:
        return self.root / "compiled" / f"{model_id}-{options.key}.fold"

    def proof(self, job_id: str) -> Path:
        return self.root / "proofs" / f"{job_id}.proof"

    def checkpoint(self, job_id: str) -> Path:
        return self.root / "checkpoints" / f"{job_id}.ckpt"

    def checkpoint_dir(self, job_id: str) -> Path:
        """Segment checkpoints of a job proven on a cluster."""
        return self.root / "checkpoints" / f"{job_id}.d"

    def temp_file(self) -> tuple[int, Path]:
        """A new temporary file beside the artefacts (same file system, for renames)."""
        fd, name = tempfile.mkstemp(dir=self.root / "tmp")
        return fd, Path(name)

    def write(self, path: Path, data: bytes) -> None:
        """Writes ``path`` atomically: a temporary file, fsync, rename."""
        fd, tmp = self.temp_file()
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
