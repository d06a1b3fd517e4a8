"""A bounded load test of the proving service: waves of concurrent clients submit and watch
(through `benchmarks/service_load.py`, the script whose figures BENCHMARKS.md records). Every
submit ends accepted or RESOURCE_EXHAUSTED, no client hangs, every accepted job is proven,
and the server's memory does not grow from one wave to the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CLIENTS, MAX_QUEUE, WAVES = 24, 3, 3


@pytest.mark.slow
def test_concurrent_clients_are_accepted_or_refused_and_memory_stays_bounded(
        tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "service_load.py"),
         "--clients", str(CLIENTS), "--watchers", "2", "--waves", str(WAVES),
         "--max-queue", str(MAX_QUEUE), "--timeout", "300", "--data-dir", str(tmp_path / "d"),
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
        # glibc makes an arena per thread that ever allocates concurrently, up to 8 per core,
        # and never returns them: a wave that happens to run more RPC threads at once than the
        # one before grew the resident set by 30 MiB in one CI run without any leak. Two
        # arenas make what stays resident depend on what is allocated, which is the question.
        env={**os.environ, "MALLOC_ARENA_MAX": "2"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["server_exit_code"] == 0
    waves = report["waves"]
    assert len(waves) == WAVES
    for wave in waves:
        assert wave["violations"] == [] and wave["hung"] == 0, wave
        assert wave["accepted"] + wave["refused"] == CLIENTS, wave
        # A burst fills the queue (plus the job a worker takes) and the rest is refused.
        assert 1 <= wave["accepted"] <= MAX_QUEUE + 1 < CLIENTS, wave
        assert wave["succeeded"] == wave["accepted"], wave
        assert wave["watch_events"] >= 3 * wave["accepted"], wave
    # Bounded: the peak stays within one more proof's transient (about 60 MiB for this model;
    # allocator arenas make it vary) of the warm server's, which has proven one job already,
    # and what stays resident does not grow past what earlier waves reached.
    warm = report["after_warmup"]["peak_rss_mib"]
    assert waves[-1]["server_peak_rss_mib"] < warm + 128, report
    # A proof's transient may stay resident after its wave (the allocator keeps freed pages;
    # one CI run kept 30 MiB after the second wave and then stayed there), so what stays
    # resident is bounded by the peak already reached, not by the previous wave's resident
    # set: a leak grows past it wave after wave.
    reached = max(wave["server_peak_rss_mib"] for wave in waves[:-1])
    assert waves[-1]["server_rss_mib"] < reached + 16, report
