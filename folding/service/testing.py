"""A ``folding serve`` subprocess on 127.0.0.1, for integration tests and load benchmarks
(of this service or of a client written against it)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Self


class ServerProcess:
    """Starts ``folding serve`` on a free port of 127.0.0.1 and waits until it serves.

    Args:
        data_dir: The server's data dir; its log goes to ``data_dir/server.log``.
        *extra: More ``folding serve`` arguments.
        env: The child's environment (default: this process's).
        start_timeout_s: How long to wait for the server to come up.

    Raises:
        RuntimeError: The server exited or did not come up in time (with its log's tail).
    """

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None,
                 start_timeout_s: float = 60.0) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.port_file = data_dir / "port.json"
        self.port_file.unlink(missing_ok=True)
        self.log_path = data_dir / "server.log"
        self._log: IO[bytes] = open(self.log_path, "ab")  # noqa: SIM115 - closed in _reap
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "folding", "serve", "--address", "127.0.0.1:0",
             "--data-dir", str(data_dir), "--port-file", str(self.port_file), *extra],
            stdout=self._log, stderr=self._log, env=env)
        deadline = time.monotonic() + start_timeout_s
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                self._reap()
                raise RuntimeError(f"the server did not start: {self.read_log()[-2000:]}")
            time.sleep(0.05)
        ports = json.loads(self.port_file.read_text())
        self.address = f"127.0.0.1:{ports['port']}"
        self.metrics_port: int | None = ports.get("metrics_port")

    def read_log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _status_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} in /proc/{self.proc.pid}/status")

    def rss_mib(self) -> float:
        """The server's resident memory now (Linux)."""
        return self._status_kib("VmRSS") / 1024

    def peak_rss_mib(self) -> float:
        """The server's peak resident memory so far (Linux)."""
        return self._status_kib("VmHWM") / 1024

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to checkpoint."""
        self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def terminate(self, timeout_s: float = 120.0) -> int:
        """SIGTERM (a graceful drain); returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self._reap(timeout_s)

    def _reap(self, timeout_s: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout_s)
        finally:
            self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.terminate()
