"""Helpers for the service tests: an in-process server on 127.0.0.1 with its own event loop
thread, and (re-exported) a `folding serve` subprocess."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from folding.service.config import ServiceConfig
from folding.service.server import ProverServer, TlsFiles, create_server
from folding.service.testing import ServerProcess

__all__ = ["LoopThread", "ServerProcess", "running_server"]


class LoopThread:
    """An asyncio loop running on a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Any, timeout: float = 120.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@contextmanager
def running_server(config: ServiceConfig, tls: TlsFiles | None = None,
                   metrics_port: int | None = None) -> Iterator[tuple[ProverServer, str]]:
    """A server in this process on 127.0.0.1 (a free port); drained on exit."""
    loop = LoopThread()
    handle, port = loop.run(create_server("127.0.0.1:0", config, tls=tls,
                                          metrics_port=metrics_port))
    try:
        yield handle, f"127.0.0.1:{port}"
    finally:
        loop.run(handle.drain(grace_s=30.0))
        loop.close()
