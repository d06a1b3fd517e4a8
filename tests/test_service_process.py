"""The proving service as operators run it, in a subprocess: a server killed with SIGKILL
mid-proof, or stopped with SIGTERM, is restarted on the same data dir; every accepted job
finishes once, the interrupted one from its checkpoint, and its proof verifies."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from service_support import ServerProcess

import folding
from folding.client import Client
from folding.testing import mlp_onnx
from folding.v1 import prover_pb2 as pb

DEEP_ONNX = mlp_onnx([4, *[6] * 23, 3], seed=11)   # 24 steps at one layer per step
SMALL_ONNX = mlp_onnx([4, 6, 6, 3], seed=3)
X = [0.3, -0.2, 0.5, 0.1]
REPO = Path(__file__).resolve().parents[1]
CHECKPOINT_EVERY = 2


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("params")


def _start(data_dir: Path, params: Path) -> ServerProcess:
    return ServerProcess(data_dir, "--cache-dir", str(params),
                         "--checkpoint-every", str(CHECKPOINT_EVERY), "--log-format", "text")


def _until_mid_proof(client: Client, job_id: str, checkpoint: Path) -> pb.Job:
    """Polls until the job has folded a few steps past a saved checkpoint (and is not done)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = client.get_job(job_id)
        assert job.state in (pb.QUEUED, pb.RUNNING), job
        if checkpoint.exists() and job.progress.steps_done >= 2 * CHECKPOINT_EVERY + 1:
            assert job.progress.steps_done < job.progress.total_steps, "proved too fast"
            return job
        time.sleep(0.02)
    raise AssertionError("the job never got going")


def _check_resumed(client: Client, model_id: str, job_id: str) -> pb.Job:
    job = client.wait(job_id, timeout_s=600, poll_s=5)
    assert job.state == pb.SUCCEEDED, job
    assert job.attempts == 2 and job.resumed_from_step >= CHECKPOINT_EVERY, job
    proof = client.fetch_proof(job_id)
    key = client.fetch_verifier_key(model_id, layers_per_step=1)
    assert folding.verify(proof, key).output == tuple(job.output)
    return job


@pytest.mark.slow
def test_a_killed_server_resumes_the_job_from_its_checkpoint(tmp_path: Path,
                                                             params: Path) -> None:
    server = _start(tmp_path, params)
    try:
        with Client(server.address, timeout_s=120) as client:
            model_id = client.upload_model(DEEP_ONNX).model_id
            small_id = client.upload_model(SMALL_ONNX).model_id
            running = client.submit(model_id, X, layers_per_step=1, request_id="deep")
            queued = client.submit(small_id, X, layers_per_step=1, request_id="small")
            _until_mid_proof(client, running.job_id,
                             tmp_path / "checkpoints" / f"{running.job_id}.ckpt")
    finally:
        server.kill()

    server = _start(tmp_path, params)
    try:
        with Client(server.address, timeout_s=120) as client:
            _check_resumed(client, model_id, running.job_id)
            # The job queued behind it was not lost, and runs once.
            small = client.wait(queued.job_id, timeout_s=300, poll_s=5)
            assert small.state == pb.SUCCEEDED and small.attempts == 1, small
            # A client retrying its submit after the crash gets the same job back.
            assert client.submit(model_id, X, layers_per_step=1,
                                 request_id="deep").job_id == running.job_id
            assert len(client.list_jobs()) == 2
    finally:
        assert server.terminate() == 0


@pytest.mark.slow
def test_sigterm_drains_to_a_checkpoint_and_the_next_start_resumes(tmp_path: Path,
                                                                   params: Path) -> None:
    server = _start(tmp_path, params)
    try:
        with Client(server.address, timeout_s=120) as client:
            model_id = client.upload_model(DEEP_ONNX).model_id
            job = client.submit(model_id, X, layers_per_step=1)
            _until_mid_proof(client, job.job_id,
                             tmp_path / "checkpoints" / f"{job.job_id}.ckpt")
    finally:
        code = server.terminate()
    assert code == 0, server.read_log()[-2000:]
    assert "drain" in server.read_log()

    server = _start(tmp_path, params)
    try:
        with Client(server.address, timeout_s=120) as client:
            _check_resumed(client, model_id, job.job_id)
    finally:
        assert server.terminate() == 0


@pytest.mark.slow
def test_the_readme_service_walkthrough(tmp_path: Path) -> None:
    """`scripts/service_demo.sh`: serve, upload the bundled 64-layer MLP, submit, watch each
    step, fetch the proof and key, verify locally."""
    done = subprocess.run(["bash", str(REPO / "scripts" / "service_demo.sh")],
                          env=dict(os.environ, DEMO_DIR=str(tmp_path)), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "(64 layers" in done.stdout and "\nVALID" in done.stdout
    steps = [line for line in done.stderr.splitlines() if " RUNNING fold " in line]
    assert len({line.split(" step ")[1].split(",")[0] for line in steps}) >= 4, done.stderr
    assert done.stderr.rstrip().endswith("SUCCEEDED succeeded segment 2/2 step 8/8")
    assert (tmp_path / "proof.bin").stat().st_size > 0
