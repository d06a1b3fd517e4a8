"""Connecting to Ray and checking what the cluster has. Ray is imported here and only when
a cluster is asked for, so the rest of folding runs without it."""

from __future__ import annotations

import logging
import os
from types import ModuleType
from typing import Any

from folding.errors import ClusterError

LOCAL = "local"


def ray_module() -> ModuleType:
    """The ``ray`` module.

    Raises:
        ClusterError: Ray is not installed.
    """
    try:
        import ray
    except ImportError as exc:
        raise ClusterError("Ray is not installed; install it with "
                           "pip install 'folding[cluster]'") from exc
    return ray


def connect(address: str | None = None, *, num_cpus: int | None = None) -> None:
    """Joins a Ray cluster, or starts a local one.

    Args:
        address: ``"local"`` starts a Ray on this machine; ``None`` uses ``RAY_ADDRESS``
            (and a local Ray when that is unset); anything else is a cluster address
            (``host:port`` or ``ray://host:port``).
        num_cpus: CPUs of a local Ray (default: all of this machine's).

    Raises:
        ClusterError: Ray is missing or the cluster cannot be reached.
    """
    ray = ray_module()
    if ray.is_initialized():
        return
    address = address or os.environ.get("RAY_ADDRESS") or LOCAL
    options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                               "log_to_driver": False}
    try:
        if address == LOCAL:
            ray.init(num_cpus=num_cpus, **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address}: {exc}") from exc


def cluster_gpus() -> float:
    """GPUs in the cluster (0 when none)."""
    return float(ray_module().cluster_resources().get("GPU", 0.0))


def check_resources(workers: int, cpus_per_worker: float) -> None:
    """Refuses, with the figures, a pool the cluster could never place (Ray would otherwise
    wait for it forever).

    Raises:
        ClusterError: The cluster has fewer CPUs than ``workers * cpus_per_worker``.
    """
    have = float(ray_module().cluster_resources().get("CPU", 0.0))
    need = workers * cpus_per_worker
    if need > have:
        raise ClusterError(
            f"the cluster has {have:g} CPUs; {workers} prover workers of {cpus_per_worker:g} "
            f"CPUs each need {need:g} (use fewer workers or add nodes)")
