"""The proving server: :func:`create_server` builds and starts one (tests bind port 0);
:func:`serve` runs one until SIGTERM or SIGINT, then drains it.

Health (``grpc.health.v1``) reports NOT_SERVING until the job runner has recovered the queue
and while draining; reflection lets ``grpcurl`` list and call the service.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from folding.service.auth import TokenAuth
from folding.service.config import ServiceConfig
from folding.service.jobs import JobRunner
from folding.service.metrics import Metrics
from folding.service.models import ModelRegistry
from folding.service.servicer import MAX_CHUNK, ProverServicer
from folding.service.store import ArtefactStore, JobStore
from folding.v1 import prover_pb2, prover_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = prover_pb2.DESCRIPTOR.services_by_name["Prover"].full_name
_MESSAGE_LIMIT = MAX_CHUNK + (1 << 20)


@dataclass(frozen=True)
class TlsFiles:
    """PEM files of the server's certificate chain and private key."""

    cert: Path
    key: Path


@dataclass
class ProverServer:
    """A running server and what it owns."""

    server: grpc.aio.Server
    config: ServiceConfig
    store: JobStore
    runner: JobRunner
    health: health.aio.HealthServicer
    metrics: Metrics
    metrics_port: int | None = None

    async def start_draining(self) -> None:
        """Reports NOT_SERVING and refuses new work (UNAVAILABLE) from now on."""
        await self.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.health.set(SERVICE_NAME, health_pb2.HealthCheckResponse.NOT_SERVING)
        self.runner.start_draining()

    async def drain(self, grace_s: float | None = None) -> None:
        """Graceful stop: NOT_SERVING, refuse new work (UNAVAILABLE), let running jobs
        checkpoint and stop (they resume on the next start), then stop the server."""
        await self.start_draining()
        timeout = self.config.drain_timeout_s if grace_s is None else grace_s
        start = time.monotonic()
        stopped = await asyncio.to_thread(self.runner.drain, timeout)
        log.info("drained", extra={"seconds": round(time.monotonic() - start, 3),
                                   "all_workers_stopped": stopped})
        await self.server.stop(1.0)
        self.store.close()


async def create_server(address: str, config: ServiceConfig, *, tls: TlsFiles | None = None,
                        metrics_port: int | None = None) -> tuple[ProverServer, int]:
    """Builds, recovers and starts a server.

    Args:
        address: ``host:port`` to listen on (port 0 picks a free one).
        config: Data directory, limits and auth.
        tls: Serve TLS with these files (plaintext when None).
        metrics_port: Serve Prometheus ``/metrics`` on 127.0.0.1 at this port (0 picks one).

    Returns:
        The server and the port it listens on.
    """
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = JobStore(config.data_dir / "jobs.sqlite3")
    files = ArtefactStore(config.data_dir)
    metrics = Metrics(store)
    models = ModelRegistry(store, files, config)
    runner = JobRunner(store, files, models, config, metrics)

    interceptors = [TokenAuth(config.token)] if config.token else []
    server = grpc.aio.server(interceptors=interceptors,
                             maximum_concurrent_rpcs=config.max_concurrent_rpcs, options=[
        ("grpc.max_receive_message_length", _MESSAGE_LIMIT),
        ("grpc.max_send_message_length", _MESSAGE_LIMIT),
    ])
    prover_pb2_grpc.add_ProverServicer_to_server(
        ProverServicer(config, store, files, models, runner), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

    if tls is None:
        port = server.add_insecure_port(address)
    else:
        creds = grpc.ssl_server_credentials([(tls.key.read_bytes(), tls.cert.read_bytes())])
        port = server.add_secure_port(address, creds)
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    await server.start()
    await asyncio.to_thread(runner.start)  # requeues what a crash left running
    handle = ProverServer(server, config, store, runner, health_servicer, metrics)
    if metrics_port is not None:
        handle.metrics_port = metrics.serve(metrics_port)
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving", extra={"address": address, "port": port, "tls": tls is not None,
                               "auth": bool(config.token), "data_dir": str(config.data_dir),
                               "workers": config.workers, "metrics_port": handle.metrics_port})
    return handle, port


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message and any ``extra`` fields."""

    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": round(record.created, 3), "level": record.levelname,
                               "logger": record.name, "msg": record.getMessage()}
        out.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(fmt: str = "json", level: int = logging.INFO) -> None:
    """Structured (JSON lines) or plain logs on stderr for the ``folding`` loggers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("folding")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


async def serve(address: str, config: ServiceConfig, *, tls: TlsFiles | None = None,
                metrics_port: int | None = None, port_file: Path | None = None) -> None:
    """Runs a server until SIGTERM or SIGINT, then drains it.

    Args:
        address: ``host:port`` to listen on.
        config: Data directory, limits and auth.
        tls: Serve TLS with these files.
        metrics_port: Serve Prometheus metrics on 127.0.0.1 at this port.
        port_file: Write the bound port here once serving (for scripts that bind port 0).
    """
    handle, port = await create_server(address, config, tls=tls, metrics_port=metrics_port)
    if port_file is not None:
        tmp = port_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"port": port, "metrics_port": handle.metrics_port}))
        tmp.replace(port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("draining on signal")
    await handle.drain()
