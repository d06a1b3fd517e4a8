"""The command line and the gRPC service on a real local Ray: ``folding prove --ray
--segments 2`` and ``folding prove-batch --ray`` from the CLI, and a service job proven on
the cluster's prover actors (``folding serve --ray``). Its own module, without a standing
pool, so that each pool here has the local Ray's 2 CPUs to itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from service_support import running_server

import folding
from folding import cli, cluster
from folding.api import Proof, VerifierKey
from folding.client import Client
from folding.service.config import ServiceConfig
from folding.srs import Srs
from folding.testing import mlp_onnx
from folding.v1 import prover_pb2 as pb


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    cluster.connect("local", num_cpus=2)
    yield
    ray.shutdown()


def test_a_service_job_is_proven_on_the_cluster(local_ray: None, tmp_path: Path) -> None:
    config = ServiceConfig(data_dir=tmp_path, poll_interval_s=0.05, checkpoint_every=2,
                           ray_address="", ray_workers=2)
    with running_server(config) as (_, address), Client(address, timeout_s=120) as c:
        model_id = c.upload_model(mlp_onnx([4, *[6] * 5, 3], seed=4)).model_id
        job = c.submit(model_id, [0.3, -0.2, 0.5, 0.1], layers_per_step=1)
        events = list(c.watch(job.job_id, timeout_s=600))
        assert events[-1].state == pb.SUCCEEDED, events[-1]
        assert max(e.progress.steps_done for e in events) == 6
        proof = Proof.from_bytes(c.fetch_proof(job.job_id))
        assert proof.stats["workers"] == 2  # proven by the pool, not in the server
        key = c.fetch_verifier_key(model_id, layers_per_step=1)
        assert folding.verify(proof.to_bytes(), key).output == tuple(events[-1].output)


def test_a_bn254_service_job_is_proven_on_the_cluster_and_checked_with_a_small_key(
        local_ray: None, tmp_path: Path) -> None:
    """The succinct engine through the service and Ray: the variant is compiled with the
    server's SRS, its three segments are proven by two workers (each ships its part of the
    one secondary proof), and the proof checks with the kilobyte key the service hands out,
    both locally and through the service's Verify; the Pasta variant's key refuses it."""
    srs = Srs.generate(tmp_path / "srs.ptau", 18)
    config = ServiceConfig(data_dir=tmp_path / "data", poll_interval_s=0.05, ray_address="",
                           ray_workers=2, srs_path=Path(srs.path))
    with running_server(config) as (_, address), Client(address, timeout_s=300) as c:
        model_id = c.upload_model(mlp_onnx([4, 6, 6, 6, 3], seed=5)).model_id
        job = c.submit(model_id, [0.3, -0.2, 0.5, 0.1], layers_per_step=1, engine="bn254")
        done = c.wait(job.job_id, timeout_s=900, poll_s=0.5)
        assert done.state == pb.SUCCEEDED, done
        proof = c.fetch_proof(job.job_id)
        stats = Proof.from_bytes(proof).stats
        assert (len(stats["segments"]), stats["workers"]) == (3, 2)
        key = c.fetch_verifier_key(model_id, layers_per_step=1, engine="bn254")
        vk = VerifierKey.from_bytes(key)
        assert (vk.engine, vk.srs_id) == ("bn254", srs.id) and len(key) < 4096, len(key)
        assert folding.verify(proof, key, srs=srs).output == tuple(done.output)
        remote = c.verify(model_id, proof, layers_per_step=1, engine="bn254")
        assert remote.valid and tuple(remote.output) == tuple(done.output), remote.reason
        c.get_model(model_id, layers_per_step=1, compile=True)  # the pasta variant
        other = c.verify(model_id, proof, layers_per_step=1)
        assert not other.valid and "profile" in other.reason, other.reason


def test_the_cli_proves_on_the_cluster(local_ray: None, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(mlp_onnx([4, *[6] * 7, 3], seed=6))
    model, cache = tmp_path / "m.fold", tmp_path / "params"
    x = tmp_path / "x.json"
    x.write_text(json.dumps([0.3, -0.2, 0.5, 0.1]))
    assert cli.main(["compile", str(onnx), "-o", str(model), "--layers-per-step", "1",
                     "--cache-dir", str(cache)]) == 0
    proof, vk = tmp_path / "p.bin", tmp_path / "k.vk"
    capsys.readouterr()
    assert cli.main(["prove", str(model), "--input", str(x), "-o", str(proof), "--ray",
                     "--workers", "2", "--segments", "2", "--vk-out", str(vk),
                     "--cache-dir", str(cache), "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stats"]["workers"] == 2
    assert cli.main(["verify", str(proof), "--vk", str(vk)]) == 0
    # The compiled model's own key is another plan's: the proof is not for it.
    assert cli.main(["verify", str(proof), "--model", str(model)]) == 1

    xs = tmp_path / "xs.npy"
    np.save(xs, np.array([[0.3, -0.2, 0.5, 0.1], [np.inf, 0, 0, 0], [0.1, 0.1, 0.1, 0.1]]))
    out = tmp_path / "batch"
    capsys.readouterr()
    assert cli.main(["prove-batch", str(model), "--inputs", str(xs), "-o", str(out),
                     "--ray", "--workers", "2", "--cache-dir", str(cache), "--json"]) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["proven"], summary["failed"]) == (2, 1)
    assert "error" in summary["items"][1] and summary["workers"] == 2
    for item in (summary["items"][0], summary["items"][2]):
        assert cli.main(["verify", item["proof"], "--model", str(model)]) == 0
