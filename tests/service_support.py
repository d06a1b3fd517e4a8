"""Helpers for the service tests: an in-process server on 127.0.0.1 with its own event loop
thread, and a `folding serve` subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from folding.service.config import ServiceConfig
from folding.service.server import ProverServer, TlsFiles, create_server

REPO = Path(__file__).resolve().parents[1]


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


class ServerProcess:
    """``folding serve`` in a subprocess on 127.0.0.1 (a free port)."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.port_file = data_dir / "port.json"
        self.port_file.unlink(missing_ok=True)
        self.log = open(data_dir / "server.log", "ab")  # noqa: SIM115 - closed in stop()
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "folding", "serve", "--address", "127.0.0.1:0",
             "--data-dir", str(data_dir), "--port-file", str(self.port_file), *extra],
            stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.read_log()[-2000:]}")
            time.sleep(0.05)
        self.address = f"127.0.0.1:{json.loads(self.port_file.read_text())['port']}"

    def read_log(self) -> str:
        return (Path(self.log.name)).read_text(errors="replace")

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.log.close()

    def terminate(self, timeout: float = 120.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.log.close()
        return code
