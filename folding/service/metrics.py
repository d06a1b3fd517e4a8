"""Prometheus metrics of a proving server, on a registry of its own (several servers may run
in one process, as in the tests).

Queue depth and jobs by state are read from the job store at scrape time, so they are right
after a restart too; latencies and failures are counted as they happen.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from folding.service.store import QUEUED, JobStore

_STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class _StoreCollector(Collector):
    def __init__(self, store: JobStore) -> None:
        self._store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self._store.counts()
        depth = GaugeMetricFamily("folding_queue_depth", "Jobs waiting to run.")
        depth.add_metric([], counts[QUEUED])
        yield depth
        jobs = GaugeMetricFamily("folding_jobs", "Jobs by state.", labels=["state"])
        for state, n in sorted(counts.items()):
            jobs.add_metric([state.lower()], n)
        yield jobs


class Metrics:
    """The server's metrics.

    Args:
        store: The job store (queue depth and jobs by state).
    """

    def __init__(self, store: JobStore) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_StoreCollector(store))
        self.stage_seconds = Histogram(
            "folding_stage_seconds", "Seconds per job stage (compile, setup, witness, fold, "
            "compress, prove).", ["stage"], buckets=_STAGE_BUCKETS, registry=self.registry)
        self.failures = Counter("folding_job_failures", "Failed jobs by status code.",
                                ["code"], registry=self.registry)
        self.jobs_finished = Counter("folding_jobs_finished", "Jobs finished, by final state.",
                                     ["state"], registry=self.registry)

    def serve(self, port: int, address: str = "127.0.0.1") -> int:
        """Serves ``/metrics`` over HTTP; returns the port (``port`` 0 picks a free one)."""
        server, _thread = start_http_server(port, addr=address, registry=self.registry)
        return int(server.server_port)
