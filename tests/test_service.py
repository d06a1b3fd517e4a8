"""The gRPC proving service on a real server bound to 127.0.0.1: the whole flow, idempotent
submits, cancel, every error code with its details, auth, TLS, health, reflection, metrics
and the remote CLI."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from service_support import running_server

import folding
from folding import cli
from folding.client import Client, error_details
from folding.service.config import ServiceConfig
from folding.service.server import TlsFiles
from folding.testing import mlp_onnx
from folding.v1 import prover_pb2 as pb
from folding.v1 import prover_pb2_grpc

SMALL_ONNX = mlp_onnx([4, 6, 6, 3], seed=3)          # 3 steps at one layer per step
LONG_ONNX = mlp_onnx([4, *[6] * 30, 3], seed=5)       # 31 steps: time to cancel it
X = [0.3, -0.2, 0.5, 0.1]


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("params")


def _config(data_dir: Path, params: Path, **kw: object) -> ServiceConfig:
    return ServiceConfig(data_dir=data_dir, cache_dir=params, poll_interval_s=0.05,
                         checkpoint_every=2, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, params: Path
           ) -> Iterator[tuple[str, int]]:
    """The shared server's address and metrics port."""
    config = _config(tmp_path_factory.mktemp("data"), params, max_model_bytes=1 << 20,
                     max_input_len=64)
    with running_server(config, metrics_port=0) as (handle, address):
        assert handle.metrics_port is not None
        yield address, handle.metrics_port


@pytest.fixture(scope="module")
def server(served: tuple[str, int]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[Client]:
    with Client(server, timeout_s=120) as c:
        yield c


def _code(exc: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    return exc.value.code()


def _field(exc: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    details = [d for d in error_details(exc.value)
               if isinstance(d, error_details_pb2.BadRequest)]
    assert details, f"no BadRequest details in {exc.value}"
    return details[0].field_violations[0].field


def test_upload_submit_watch_fetch_verify(client: Client) -> None:
    info = client.upload_model(SMALL_ONNX)
    assert info.layers == 3 and info.input_dim == 4 and info.output_dim == 3
    again = client.upload_model(SMALL_ONNX)
    assert (again.model_id, again.created) == (info.model_id, False)

    job = client.submit(info.model_id, X, layers_per_step=1)
    assert job.state in (pb.QUEUED, pb.RUNNING)
    events = list(client.watch(job.job_id, timeout_s=300))
    assert events[-1].state == pb.SUCCEEDED, events[-1]
    steps = [e.progress.steps_done for e in events]
    assert steps == sorted(steps) and max(steps) == 3
    assert any(e.progress.stage == "fold" for e in events)
    # A client that re-attaches after the end gets the final state at once.
    assert [e.state for e in client.watch(job.job_id)] == [pb.SUCCEEDED]

    proof = client.fetch_proof(job.job_id)
    result = client.verify(info.model_id, proof, layers_per_step=1)
    assert result.valid and list(result.output) == list(events[-1].output)
    # The client can check the proof itself with the variant's verifier key.
    key = client.fetch_verifier_key(info.model_id, layers_per_step=1)
    assert folding.verify(proof, key).output == tuple(result.output)
    model = client.get_model(info.model_id)
    variant = next(v for v in model.compiled if v.options.layers_per_step == 1)
    assert variant.commitment == result.commitment and variant.total_steps == 3

    # A tampered proof is a normal answer: invalid, with the reason.
    bad = bytearray(proof)
    bad[len(bad) // 2] ^= 1
    tampered = client.verify(info.model_id, bytes(bad), layers_per_step=1)
    assert not tampered.valid and tampered.reason
    assert job.job_id in [j.job_id for j in client.list_jobs(states=[pb.SUCCEEDED])]


def test_the_same_request_id_returns_the_same_job(client: Client) -> None:
    model_id = client.upload_model(SMALL_ONNX).model_id
    first = client.submit(model_id, X, layers_per_step=1, request_id="req-1")
    second = client.submit(model_id, X, layers_per_step=1, request_id="req-1")
    assert first.job_id == second.job_id
    with pytest.raises(grpc.RpcError) as exc:
        client.submit(model_id, [0.1, 0.1, 0.1, 0.1], layers_per_step=1, request_id="req-1")
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT and _field(exc) == "request_id"
    assert client.wait(first.job_id, timeout_s=300).state == pb.SUCCEEDED


def test_cancel_a_running_and_a_queued_job(client: Client) -> None:
    model_id = client.upload_model(LONG_ONNX).model_id
    running = client.submit(model_id, X, layers_per_step=1)
    queued = client.submit(model_id, X, layers_per_step=1)  # one worker: this one waits
    for job in client.watch(running.job_id, timeout_s=300):
        if job.progress.steps_done >= 1:
            break
    assert client.cancel(queued.job_id).state == pb.CANCELLED
    client.cancel(running.job_id)
    assert client.wait(running.job_id, timeout_s=120).state == pb.CANCELLED
    with pytest.raises(grpc.RpcError) as exc:
        client.cancel(running.job_id)
    assert _code(exc) == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as exc:
        client.fetch_proof(running.job_id)
    assert _code(exc) == grpc.StatusCode.FAILED_PRECONDITION


def test_bad_models_are_invalid_argument_naming_the_node(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        client.upload_model(b"this is not onnx")
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Tanh", ["x"], ["y"], name="the_tanh")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    with pytest.raises(grpc.RpcError) as exc:
        client.upload_model(helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    assert "the_tanh" in exc.value.details() and "the_tanh" in _field(exc)
    with pytest.raises(grpc.RpcError) as exc:
        client.upload_model(b"\0" * (2 << 20))  # over this server's 1 MiB limit
    assert _code(exc) == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_bad_requests_get_the_right_code_and_field(client: Client, server: str) -> None:
    model_id = client.upload_model(SMALL_ONNX).model_id
    cases = [
        (lambda: client.submit(model_id, [1.0, 2.0]), grpc.StatusCode.INVALID_ARGUMENT,
         "input"),
        (lambda: client.submit(model_id, [1.0, float("nan"), 0, 0]),
         grpc.StatusCode.INVALID_ARGUMENT, "input[1]"),
        (lambda: client.submit(model_id, [1e9, 0, 0, 0]), grpc.StatusCode.INVALID_ARGUMENT,
         "input"),
        (lambda: client.submit(model_id, [0.0] * 65), grpc.StatusCode.RESOURCE_EXHAUSTED,
         None),
        (lambda: client.submit("0" * 64, X), grpc.StatusCode.NOT_FOUND, None),
        (lambda: client.get_job("nope"), grpc.StatusCode.NOT_FOUND, None),
        (lambda: client.get_job(""), grpc.StatusCode.INVALID_ARGUMENT, "job_id"),
        (lambda: client.fetch_verifier_key(model_id, layers_per_step=7),
         grpc.StatusCode.FAILED_PRECONDITION, None),
        (lambda: client.submit(model_id, X, layers_per_step=100000),
         grpc.StatusCode.INVALID_ARGUMENT, "options.layers_per_step"),
    ]
    for call, code, field in cases:
        with pytest.raises(grpc.RpcError) as exc:
            call()
        assert _code(exc) == code, (field, exc.value)
        if field is not None:
            assert _field(exc) == field
    # Malformed streams: no header, or chunks that do not add up.
    stub = pb_stub(server)
    with pytest.raises(grpc.RpcError) as exc:
        stub.UploadModel(iter([pb.UploadModelRequest(chunk=b"x")]), timeout=30)
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as exc:
        stub.UploadModel(iter([pb.UploadModelRequest(header=pb.UploadHeader(total_bytes=9)),
                               pb.UploadModelRequest(chunk=SMALL_ONNX)]), timeout=30)
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as exc:
        stub.ListJobs(pb.ListJobsRequest(page_token="garbage"), timeout=30)
    assert _code(exc) == grpc.StatusCode.INVALID_ARGUMENT
    # The server is still fine.
    assert client.get_model(model_id).model_id == model_id


def pb_stub(address: str) -> object:
    from folding.v1 import prover_pb2_grpc

    return prover_pb2_grpc.ProverStub(grpc.insecure_channel(address))


def test_list_pages_through_every_job(client: Client) -> None:
    model_id = client.upload_model(SMALL_ONNX).model_id
    for i in range(3):
        job = client.submit(model_id, X, layers_per_step=1, request_id=f"list-{i}")
        try:
            client.cancel(job.job_id)
        except grpc.RpcError as exc:  # it may have finished already
            assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION
    jobs = client.list_jobs(page_size=1)
    assert len(jobs) == len({j.job_id for j in jobs}) >= 3
    created = [j.created_at for j in jobs]
    assert created == sorted(created, reverse=True)


def test_health_reflection_and_metrics(served: tuple[str, int], client: Client) -> None:
    server, port = served
    channel = grpc.insecure_channel(server)
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", "folding.v1.Prover"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    refl = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(
        list_services="")]), timeout=10)
    names = {s.name for r in replies for s in r.list_services_response.service}
    assert {"folding.v1.Prover", "grpc.health.v1.Health"} <= names
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
    text = text.decode()
    for metric in ("folding_queue_depth ", 'folding_jobs{state="queued"}',
                   "# TYPE folding_stage_seconds histogram",
                   "# TYPE folding_job_failures_total counter"):
        assert metric in text, metric


def test_a_full_queue_is_resource_exhausted(tmp_path: Path, params: Path) -> None:
    with running_server(_config(tmp_path, params, max_queue=1)) as (_, address), \
            Client(address, timeout_s=120) as c:
        model_id = c.upload_model(LONG_ONNX).model_id
        running = c.submit(model_id, X, layers_per_step=1)
        for job in c.watch(running.job_id, timeout_s=300):
            if job.state == pb.RUNNING:
                break
        waiting = c.submit(model_id, X, layers_per_step=1)
        with pytest.raises(grpc.RpcError) as exc:
            c.submit(model_id, X, layers_per_step=1)
        assert _code(exc) == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert any(isinstance(d, error_details_pb2.QuotaFailure)
                   for d in error_details(exc.value))
        # Resubmitting an accepted request is not a new job: it still answers.
        assert c.submit(model_id, X, layers_per_step=1,
                        request_id=waiting.request_id).job_id == waiting.job_id
        for job_id in (waiting.job_id, running.job_id):
            c.cancel(job_id)


def test_calls_beyond_the_concurrency_cap_are_resource_exhausted(tmp_path: Path,
                                                                 params: Path) -> None:
    """Two uploads that never finish hold both slots; a third call is refused at once (and
    does not queue up), and the server answers again once they end."""
    release = threading.Event()

    def stalled() -> Iterator[pb.UploadModelRequest]:
        yield pb.UploadModelRequest(header=pb.UploadHeader(total_bytes=10, sha256="0" * 64))
        release.wait(60)

    with running_server(_config(tmp_path, params, max_concurrent_rpcs=2)) as (_, address), \
            Client(address, timeout_s=30, retries=1) as c:
        channel = grpc.insecure_channel(address)
        stub = prover_pb2_grpc.ProverStub(channel)
        started: list[grpc.Future] = []
        held: list[grpc.Future] = []
        deadline = time.monotonic() + 30
        while True:
            # A probe can race an upload to the last slot: replace an upload it refused.
            held = [h for h in held if not h.done()]
            while len(held) < 2:
                held.append(stub.UploadModel.future(stalled(), timeout=60))
                started.append(held[-1])
            try:
                c.get_job("no-such-job")
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    break
                assert exc.code() == grpc.StatusCode.NOT_FOUND
            assert time.monotonic() < deadline, "the cap never applied"
            time.sleep(0.05)
        release.set()
        for call in started:  # every upload ends with an error: refused, or empty
            with pytest.raises(grpc.RpcError):
                call.result()
        channel.close()
        with pytest.raises(grpc.RpcError) as exc:
            c.get_job("no-such-job")
        assert _code(exc) == grpc.StatusCode.NOT_FOUND


def test_a_draining_server_refuses_new_work(tmp_path: Path, params: Path) -> None:
    from service_support import LoopThread

    from folding.service.server import create_server

    loop = LoopThread()
    handle, port = loop.run(create_server("127.0.0.1:0", _config(tmp_path, params)))
    try:
        with Client(f"127.0.0.1:{port}", retries=1) as c:
            model_id = c.upload_model(SMALL_ONNX).model_id
            loop.run(handle.start_draining())
            health = health_pb2_grpc.HealthStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == \
                health_pb2.HealthCheckResponse.NOT_SERVING
            with pytest.raises(grpc.RpcError) as exc:
                c.submit(model_id, X)
            assert _code(exc) == grpc.StatusCode.UNAVAILABLE
    finally:
        loop.run(handle.drain(grace_s=10))
        loop.close()


def test_auth_on_and_off(tmp_path: Path, params: Path) -> None:
    with running_server(_config(tmp_path, params, token="s3cret")) as (_, address):
        with Client(address, retries=1) as anonymous, pytest.raises(grpc.RpcError) as exc:
            anonymous.upload_model(SMALL_ONNX)
        assert _code(exc) == grpc.StatusCode.UNAUTHENTICATED
        with Client(address, token="wrong", retries=1) as wrong, \
                pytest.raises(grpc.RpcError) as exc:
            wrong.list_jobs()
        assert _code(exc) == grpc.StatusCode.PERMISSION_DENIED
        with Client(address, token="s3cret") as right:
            assert right.upload_model(SMALL_ONNX).layers == 3
        # Health checks need no token (load balancers do not carry one).
        health = health_pb2_grpc.HealthStub(grpc.insecure_channel(address))
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == \
            health_pb2.HealthCheckResponse.SERVING


def test_tls(tmp_path: Path, params: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with running_server(_config(tmp_path / "data", params), tls=TlsFiles(cert, key)) as (
            _, address):
        with Client(address, tls_ca=cert.read_bytes()) as c:
            assert c.upload_model(SMALL_ONNX).layers == 3
        with Client(address, retries=1, timeout_s=5) as plain, \
                pytest.raises(grpc.RpcError) as exc:
            plain.list_jobs()
        assert _code(exc) == grpc.StatusCode.UNAVAILABLE


def test_remote_cli_end_to_end(server: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    onnx_path, x_path = tmp_path / "m.onnx", tmp_path / "x.json"
    onnx_path.write_bytes(SMALL_ONNX)
    x_path.write_text(json.dumps({"input": X}))
    conn = ["--server", server]

    def run(*argv: str) -> dict[str, object]:
        capsys.readouterr()
        code = cli.main(["remote", *argv, *conn, "--json"])
        out = capsys.readouterr().out
        assert code == 0, out
        return json.loads(out)  # type: ignore[no-any-return]

    model_id = str(run("upload", str(onnx_path))["model_id"])
    job_id = str(run("submit", model_id, "--input", str(x_path), "--layers-per-step", "1")
                 ["job_id"])
    assert run("wait", job_id)["state"] == "SUCCEEDED"
    run("fetch", job_id, "-o", str(tmp_path / "p.proof"))
    assert run("verify", model_id, str(tmp_path / "p.proof"), "--layers-per-step", "1")[
        "valid"] is True
    run("fetch-vk", model_id, "-o", str(tmp_path / "m.vk"), "--layers-per-step", "1")
    assert cli.main(["verify", str(tmp_path / "p.proof"), "--vk", str(tmp_path / "m.vk")]) == 0
    capsys.readouterr()
    assert cli.main(["remote", "status", "nope", *conn]) == 1
    assert "NOT_FOUND" in capsys.readouterr().err
