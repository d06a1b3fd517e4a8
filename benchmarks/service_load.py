"""Load on the proving service: waves of concurrent clients that each submit a proof job and
watch it to the end (issue 4).

A ``folding serve`` subprocess on 127.0.0.1 (a fresh data dir) gets a small model and one
warm-up job. Then each wave starts C clients at once, each on its own channel: it submits a
job; if accepted it watches the job until it ends and fetches the proof, and W more clients
watch the same job; if refused, the refusal must be RESOURCE_EXHAUSTED with a QuotaFailure.
Any other outcome, or a client still running at the deadline (a hang), is a violation.

Reported per wave: accepted, refused, violations, submit latency (p50/p99), jobs proven per
minute, and the server's resident and peak memory after the warm-up and after each wave (a
bounded server stays near its warm-up figures however many clients come).

    python benchmarks/service_load.py --clients 200 --watchers 2 --waves 3 --max-queue 16 \\
        --out benchmarks/out/service_load.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # measure this checkout, wherever the command runs from
    sys.path.insert(0, str(REPO))

import grpc
from google.rpc import error_details_pb2

from folding.client import Client, error_details
from folding.service.testing import ServerProcess
from folding.testing import mlp_onnx
from folding.v1 import prover_pb2 as pb

MODEL_WIDTHS = [4, 6, 6, 3]
X = [0.3, -0.2, 0.5, 0.1]


@dataclass
class Wave:
    """What one wave of clients got."""

    clients: int
    accepted: int = 0
    refused: int = 0
    succeeded: int = 0
    violations: list[str] = field(default_factory=list)
    hung: int = 0
    submit_ms_p50: float = 0.0
    submit_ms_p99: float = 0.0
    wall_s: float = 0.0
    jobs_per_min: float = 0.0
    watch_events: int = 0
    server_rss_mib: float = 0.0
    server_peak_rss_mib: float = 0.0


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.submit_ms: list[float] = []
        self.accepted: list[str] = []
        self.refused = 0
        self.succeeded = 0
        self.events = 0
        self.violations: list[str] = []

    def violation(self, what: str) -> None:
        with self.lock:
            self.violations.append(what)


def _watch(address: str, job_id: str, tally: _Tally, timeout_s: float) -> None:
    with Client(address, timeout_s=timeout_s) as client:
        events = list(client.watch(job_id, timeout_s=timeout_s))
    with tally.lock:
        tally.events += len(events)
    if not events or events[-1].state != pb.SUCCEEDED:
        tally.violation(f"watch of {job_id} ended {events[-1] if events else 'empty'}")


def _client(address: str, model_id: str, watchers: int, tally: _Tally, start: threading.Barrier,
            timeout_s: float) -> None:
    try:
        with Client(address, timeout_s=timeout_s, retries=1) as client:
            start.wait()
            t0 = time.perf_counter()
            try:
                job = client.submit(model_id, X)
            except grpc.RpcError as exc:
                ms = (time.perf_counter() - t0) * 1e3
                quota = [d for d in error_details(exc)
                         if isinstance(d, error_details_pb2.QuotaFailure)]
                with tally.lock:
                    tally.submit_ms.append(ms)
                if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and quota:
                    with tally.lock:
                        tally.refused += 1
                else:
                    tally.violation(f"submit: {exc.code()} {exc.details()}")
                return
            with tally.lock:
                tally.submit_ms.append((time.perf_counter() - t0) * 1e3)
                tally.accepted.append(job.job_id)
            others = [threading.Thread(target=_watch, args=(address, job.job_id, tally,
                                                            timeout_s), daemon=True)
                      for _ in range(watchers)]
            for t in others:
                t.start()
            _watch(address, job.job_id, tally, timeout_s)
            proof = client.fetch_proof(job.job_id)
            if not proof:
                tally.violation(f"empty proof for {job.job_id}")
            for t in others:
                t.join(timeout_s)
            with tally.lock:
                tally.succeeded += 1
    except Exception as exc:  # noqa: BLE001 - every unexpected outcome is a finding
        tally.violation(f"client: {type(exc).__name__}: {exc}")


def run_wave(server: ServerProcess, model_id: str, clients: int, watchers: int,
             timeout_s: float) -> Wave:
    """C clients at once; returns what they got (hung: clients alive at the deadline)."""
    tally = _Tally()
    start = threading.Barrier(clients)
    threads = [threading.Thread(target=_client, args=(server.address, model_id, watchers,
                                                      tally, start, timeout_s), daemon=True)
               for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    wall = time.perf_counter() - t0
    ms = sorted(tally.submit_ms)
    return Wave(
        clients=clients, accepted=len(tally.accepted), refused=tally.refused,
        succeeded=tally.succeeded, violations=tally.violations,
        hung=sum(t.is_alive() for t in threads),
        submit_ms_p50=statistics.median(ms) if ms else 0.0,
        submit_ms_p99=ms[min(len(ms) - 1, int(0.99 * len(ms)))] if ms else 0.0,
        wall_s=wall, jobs_per_min=60 * tally.succeeded / wall if wall else 0.0,
        watch_events=tally.events, server_rss_mib=server.rss_mib(),
        server_peak_rss_mib=server.peak_rss_mib())


def run(data_dir: Path, clients: int, watchers: int, waves: int, max_queue: int, workers: int,
        timeout_s: float, cache_dir: Path | None = None) -> dict[str, Any]:
    """Starts a server, warms it up with one job, runs the waves, drains it."""
    extra = ["--max-queue", str(max_queue), "--workers", str(workers)]
    if cache_dir is not None:
        extra += ["--cache-dir", str(cache_dir)]
    with ServerProcess(data_dir, *extra) as server:
        with Client(server.address, timeout_s=timeout_s) as client:
            model_id = client.upload_model(mlp_onnx(MODEL_WIDTHS, seed=3)).model_id
            warm = client.wait(client.submit(model_id, X).job_id, timeout_s=timeout_s, poll_s=5)
            if warm.state != pb.SUCCEEDED:
                raise RuntimeError(f"warm-up job failed: {warm}")
        baseline = {"rss_mib": server.rss_mib(), "peak_rss_mib": server.peak_rss_mib()}
        results = [run_wave(server, model_id, clients, watchers, timeout_s)
                   for _ in range(waves)]
        code = server.terminate()
    return {"clients": clients, "watchers_per_job": watchers, "max_queue": max_queue,
            "workers": workers, "model_widths": MODEL_WIDTHS, "after_warmup": baseline,
            "waves": [asdict(w) for w in results], "server_exit_code": code}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200, help="concurrent clients per wave")
    ap.add_argument("--watchers", type=int, default=2, help="extra watchers per accepted job")
    ap.add_argument("--waves", type=int, default=3)
    ap.add_argument("--max-queue", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds a wave may take")
    ap.add_argument("--data-dir", type=Path, help="server data dir (default: a temporary one)")
    ap.add_argument("--cache-dir", type=Path, help="public-parameter cache")
    ap.add_argument("--out", type=Path, help="write the report here as JSON")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="folding-load-") as tmp:
        report = run(args.data_dir or Path(tmp) / "data", args.clients, args.watchers,
                     args.waves, args.max_queue, args.workers, args.timeout, args.cache_dir)
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    bad = [w for w in report["waves"] if w["violations"] or w["hung"]]
    return 1 if bad or report["server_exit_code"] != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
