"""Settings and limits of a proving server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MiB = 1 << 20


@dataclass(frozen=True)
class ServiceConfig:
    """What a server stores where, and what it refuses.

    Attributes:
        data_dir: Job store, models, compiled variants, proofs and checkpoints.
        workers: Jobs proven at once.
        max_queue: Queued (not yet running) jobs; a submit beyond it is RESOURCE_EXHAUSTED.
        max_model_bytes: Largest ONNX upload.
        max_input_len: Longest input vector.
        max_proof_bytes: Largest proof accepted by VerifyProof.
        max_concurrent_rpcs: Calls in progress at once, streams (watches, uploads) included;
            one more is refused with RESOURCE_EXHAUSTED. It bounds the server's memory
            however many clients connect.
        checkpoint_every: Fold steps between checkpoints of a running job.
        token: Bearer token every call but health checks and reflection must carry (None:
            no auth).
        cache_dir: Public-parameter cache (default: ``data_dir/params``).
        poll_interval_s: How often progress is sampled and watchers are updated.
        drain_timeout_s: On SIGTERM, how long running jobs get to checkpoint and stop.
        ray_address: Prove on Ray (``folding.cluster``): a cluster address, ``"local"``, or
            ``""`` for ``RAY_ADDRESS``; None proves in this process.
        ray_workers: Prover actors on the cluster; a job's segments are spread over them.
        srs_path: The SRS (a ``.ptau`` file) that ``bn254`` variants are compiled with; None
            uses a local single-party SRS kept in the parameter cache.
    """

    data_dir: Path
    workers: int = 1
    max_queue: int = 64
    max_model_bytes: int = 1024 * MiB
    max_input_len: int = 1 << 20
    max_proof_bytes: int = 256 * MiB
    max_concurrent_rpcs: int = 1000
    checkpoint_every: int = 8
    token: str | None = None
    cache_dir: Path | None = None
    poll_interval_s: float = 0.2
    drain_timeout_s: float = 60.0
    ray_address: str | None = None
    ray_workers: int = 2
    srs_path: Path | None = None

    def __post_init__(self) -> None:
        for name in ("workers", "max_queue", "max_model_bytes", "max_input_len",
                     "max_proof_bytes", "max_concurrent_rpcs", "ray_workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must be at least 0, got {self.checkpoint_every}")

    @property
    def params_dir(self) -> Path:
        """The public-parameter cache."""
        return self.cache_dir if self.cache_dir is not None else self.data_dir / "params"
