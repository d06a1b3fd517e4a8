"""Proving on a real local Ray (2 CPUs, shared by the module): a segment-parallel proof
verifies and states what the sequential proof states; a batch's inputs each get a proof (a
bad one does not sink the others); a worker killed mid-segment is replaced and its segment
resumes from its checkpoint; a pool the cluster cannot place is refused with the figures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

import folding
from folding import cluster
from folding.api import CompiledModel, ProgressInfo, Proof
from folding.errors import (
    CancelledError,
    ClusterError,
    FoldingError,
)
from folding.reference import predict_int
from folding.testing import mlp_onnx

X = [0.3, -0.2, 0.5, 0.1]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    cluster.connect("local", num_cpus=2)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("params"))


@pytest.fixture(scope="module")
def pool(local_ray: None, params: str) -> Iterator[cluster.ProverPool]:
    with cluster.ProverPool(workers=2, cache_dir=params) as p:
        yield p


def _model(hidden: int, params: str, seed: int = 7) -> CompiledModel:
    """A head, ``hidden`` equal layers, a tail; one layer per step; the run cut in two."""
    model = folding.compile(mlp_onnx([4, *[6] * hidden, 3], seed=seed), layers_per_step=1,
                            cache_dir=params)
    return cluster.with_segments(model, 2, cache_dir=params)


def test_a_segment_parallel_proof_states_what_the_sequential_one_does(
        pool: cluster.ProverPool, params: str) -> None:
    model = _model(9, params)
    assert [s[1] for s in model.segments] == [1, 4, 4, 1]
    seen: list[ProgressInfo] = []
    parallel = cluster.prove(model, X, pool=pool, progress=seen.append, poll_interval=0.1)
    # The statement a sequential proof makes (tests/test_api.py checks that one against the
    # same reference): this model, the quantized input, the integer reference's output.
    x_q = model.quantized.quantize_input(X)
    assert parallel.model_commitment == model.commitment
    assert list(parallel.input) == list(x_q)
    assert list(parallel.output) == list(predict_int(model.quantized, x_q))
    verified = folding.verify(parallel.to_bytes(), model.verifier_key.to_bytes())
    assert verified.output == parallel.output
    assert len(parallel.stats["segments"]) == 4 and parallel.stats["workers"] == 2
    assert seen and seen[-1].total_steps == 10
    # (A key of the same weights under another plan refuses it: the CLI test in
    # tests/test_cluster_cli_and_service.py.)


def test_a_batch_proves_each_input_and_a_bad_one_fails_alone(
        pool: cluster.ProverPool, params: str) -> None:
    model = folding.compile(mlp_onnx([4, 6, 6, 3], seed=3), cache_dir=params)
    xs = np.array([X, [0.1, 0.2, 0.3, 0.4], [np.nan, 0, 0, 0], [-0.5, 0.5, -0.5, 0.5]])
    results = cluster.prove_batch(model, xs, pool=pool)
    assert len(results) == 4
    assert isinstance(results[2], FoldingError) and "nan" in str(results[2]).lower()
    for i in (0, 1, 3):
        proof = results[i]
        assert isinstance(proof, Proof), proof
        verified = folding.verify(proof.to_bytes(), model.verifier_key.to_bytes())
        x_q = model.quantized.quantize_input(xs[i])
        assert list(verified.input) == list(x_q)
        assert list(verified.output) == list(predict_int(model.quantized, x_q))


def test_a_killed_worker_is_replaced_and_its_segment_resumes(
        pool: cluster.ProverPool, params: str, tmp_path: Path) -> None:
    model = _model(24, params, seed=9)
    victim = pool.pids()[0]
    ckpts = tmp_path / "ckpt"
    killed = threading.Event()

    def kill_mid_segment(info: ProgressInfo) -> None:
        # Both workers are folding a 12-step segment; kill one after a checkpoint.
        if not killed.is_set() and info.steps_done >= 8 and any(ckpts.glob("*.ckpt")):
            os.kill(victim, signal.SIGKILL)
            killed.set()

    before = pool.replaced
    proof = cluster.prove(model, X, pool=pool, checkpoint_dir=ckpts, checkpoint_every=2,
                          progress=kill_mid_segment, poll_interval=0.05)
    assert killed.is_set(), "the proof ended before a worker could be killed"
    assert pool.replaced == before + 1 and victim not in pool.pids()
    assert proof.stats["resumed_from_step"] > 0, proof.stats
    folding.verify(proof.to_bytes(), model.verifier_key.to_bytes())


def test_a_pool_the_cluster_cannot_place_is_refused(local_ray: None) -> None:
    with pytest.raises(ClusterError, match="the cluster has 2 CPUs"):
        cluster.ProverPool(workers=3)


def test_folding_does_not_import_ray_without_a_cluster() -> None:
    code = "import sys, folding, folding.cli, folding.service.server; " \
           "sys.exit('ray' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], check=False, timeout=120)
    assert done.returncode == 0


def test_a_cancelled_parallel_proof_stops(pool: cluster.ProverPool, params: str) -> None:
    model = _model(24, params, seed=9)
    cancel = threading.Event()
    started = time.monotonic()

    def stop_soon(info: ProgressInfo) -> None:
        if info.steps_done >= 2:
            cancel.set()

    with pytest.raises(CancelledError):
        cluster.prove(model, X, pool=pool, progress=stop_soon, poll_interval=0.05,
                      cancel=cancel)
    assert time.monotonic() - started < 120
