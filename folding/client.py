"""A small client of the proving service (``folding serve``).

Example::

    from folding.client import Client

    with Client("127.0.0.1:7433") as c:
        model = c.upload_model(open("model.onnx", "rb").read())
        job = c.submit(model.model_id, x)
        for event in c.watch(job.job_id):
            print(event.progress.steps_done, "/", event.progress.total_steps)
        proof = c.fetch_proof(job.job_id)
        assert c.verify(model.model_id, proof).valid

Calls retry with exponential backoff while the server is UNAVAILABLE (restarting, draining
or not up yet) and only where a retry is safe: reads, uploads (content-addressed) and
submits (the client always sends a ``request_id``, so a retried submit returns the same job).
Errors are :class:`grpc.RpcError`; :func:`error_details` decodes their google.rpc details.
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

import grpc
import numpy as np
import numpy.typing as npt
from google.protobuf import message as pb_message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from folding.v1 import prover_pb2 as pb
from folding.v1 import prover_pb2_grpc

T = TypeVar("T")

CHUNK = 1 << 20
TERMINAL = (pb.SUCCEEDED, pb.FAILED, pb.CANCELLED)
_DETAIL_TYPES = (error_details_pb2.BadRequest, error_details_pb2.ResourceInfo,
                 error_details_pb2.PreconditionFailure, error_details_pb2.QuotaFailure)


def error_details(error: grpc.RpcError) -> list[pb_message.Message]:
    """The google.rpc detail messages of an error (BadRequest, QuotaFailure, ...)."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is None:
        return []
    out = []
    for any_detail in status.details:
        for kind in _DETAIL_TYPES:
            if any_detail.Is(kind.DESCRIPTOR):
                msg = kind()
                any_detail.Unpack(msg)
                out.append(msg)
    return out


def _options(private_weights: bool, layers_per_step: int | None,
             engine: str = "") -> pb.ModelOptions:
    return pb.ModelOptions(private_weights=private_weights,
                           layers_per_step=layers_per_step or 0, engine=engine)


class Client:
    """A connection to a proving server.

    Args:
        address: ``host:port``.
        token: Bearer token, when the server requires one.
        tls_ca: PEM of the CA that signed the server's certificate (TLS when given).
        timeout_s: Deadline of each unary call.
        retries: Attempts of a retriable call while the server is UNAVAILABLE.
        backoff_s: First wait between attempts (doubles, up to 5 s).
    """

    def __init__(self, address: str, *, token: str | None = None,
                 tls_ca: bytes | None = None, timeout_s: float = 60.0, retries: int = 5,
                 backoff_s: float = 0.2) -> None:
        options = [("grpc.max_receive_message_length", 8 << 20)]
        if tls_ca is not None:
            self._channel = grpc.secure_channel(
                address, grpc.ssl_channel_credentials(root_certificates=tls_ca), options)
        else:
            self._channel = grpc.insecure_channel(address, options)
        self._stub = prover_pb2_grpc.ProverStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.timeout_s, self.retries, self.backoff_s = timeout_s, retries, backoff_s

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, call: Callable[[], T]) -> T:
        wait = self.backoff_s
        for attempt in range(self.retries):
            try:
                return call()
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE or attempt == self.retries - 1:
                    raise
            time.sleep(wait)
            wait = min(wait * 2, 5.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _kw(self, timeout_s: float | None = None) -> dict[str, Any]:
        return {"metadata": self._metadata,
                "timeout": self.timeout_s if timeout_s is None else timeout_s}

    # -- models -------------------------------------------------------------------------------

    def upload_model(self, data: bytes | Path, chunk_bytes: int = CHUNK) -> pb.ModelInfo:
        """Uploads ONNX bytes (or a file); returns the model's info (its id is the SHA-256)."""
        blob = data.read_bytes() if isinstance(data, Path) else bytes(data)
        header = pb.UploadHeader(total_bytes=len(blob), sha256=hashlib.sha256(blob).hexdigest())

        def requests() -> Iterator[pb.UploadModelRequest]:
            yield pb.UploadModelRequest(header=header)
            for i in range(0, len(blob), chunk_bytes):
                yield pb.UploadModelRequest(chunk=blob[i:i + chunk_bytes])

        info: pb.ModelInfo = self._retry(
            lambda: self._stub.UploadModel(requests(), **self._kw()))
        return info

    def get_model(self, model_id: str, *, private_weights: bool = False,
                  layers_per_step: int | None = None, compile: bool = False,
                  engine: str = "") -> pb.ModelInfo:
        request = pb.GetModelRequest(model_id=model_id, compile=compile,
                                     options=_options(private_weights, layers_per_step, engine))
        info: pb.ModelInfo = self._retry(lambda: self._stub.GetModel(request, **self._kw()))
        return info

    # -- jobs ---------------------------------------------------------------------------------

    def submit(self, model_id: str, x: npt.ArrayLike, *, private_weights: bool = False,
               layers_per_step: int | None = None, request_id: str | None = None,
               engine: str = "") -> pb.Job:
        """Submits a proof job; retried safely (the same ``request_id``, made up when not
        given, returns the same job)."""
        request = pb.SubmitJobRequest(
            model_id=model_id, input=[float(v) for v in np.asarray(x, dtype=float).ravel()],
            options=_options(private_weights, layers_per_step, engine),
            request_id=request_id or uuid.uuid4().hex)
        job: pb.Job = self._retry(lambda: self._stub.SubmitJob(request, **self._kw()))
        return job

    def get_job(self, job_id: str) -> pb.Job:
        job: pb.Job = self._retry(lambda: self._stub.GetJob(pb.GetJobRequest(job_id=job_id),
                                                            **self._kw()))
        return job

    def wait(self, job_id: str, timeout_s: float = 3600.0, poll_s: float = 30.0) -> pb.Job:
        """Waits until the job has finished or ``timeout_s`` passes; returns it as it is."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            step = max(0.01, min(poll_s, left))
            job: pb.Job = self._retry(functools.partial(
                self._wait_once, pb.WaitJobRequest(job_id=job_id, timeout_s=step),
                step + 10.0))
            if job.state in TERMINAL or time.monotonic() >= deadline:
                return job

    def _wait_once(self, request: pb.WaitJobRequest, timeout_s: float) -> pb.Job:
        job: pb.Job = self._stub.WaitJob(request, **self._kw(timeout_s))
        return job

    def cancel(self, job_id: str) -> pb.Job:
        job: pb.Job = self._stub.CancelJob(pb.CancelJobRequest(job_id=job_id), **self._kw())
        return job

    def list_jobs(self, states: Sequence[pb.JobState] = (), model_id: str = "",
                  page_size: int = 100) -> list[pb.Job]:
        """Every job (newest first), following the pages."""
        jobs: list[pb.Job] = []
        token = ""
        while True:
            request = pb.ListJobsRequest(states=list(states), model_id=model_id,
                                         page_size=page_size, page_token=token)
            page: pb.ListJobsResponse = self._retry(
                functools.partial(self._list_page, request))
            jobs.extend(page.jobs)
            token = page.next_page_token
            if not token:
                return jobs

    def _list_page(self, request: pb.ListJobsRequest) -> pb.ListJobsResponse:
        page: pb.ListJobsResponse = self._stub.ListJobs(request, **self._kw())
        return page

    def watch(self, job_id: str, timeout_s: float = 3600.0) -> Iterator[pb.Job]:
        """The job's states and progress until it has finished, re-attaching (with
        backoff) if the stream breaks because the server went away."""
        deadline = time.monotonic() + timeout_s
        wait = self.backoff_s
        while True:
            try:
                stream = self._stub.WatchJob(pb.WatchJobRequest(job_id=job_id),
                                             **self._kw(max(0.01, deadline - time.monotonic())))
                for event in stream:
                    wait = self.backoff_s
                    yield event.job
                    if event.job.state in TERMINAL:
                        return
                return
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                    raise
            time.sleep(wait)
            wait = min(wait * 2, 5.0)

    # -- artefacts ----------------------------------------------------------------------------

    def _gather(self, call: Callable[[], Iterator[pb.Chunk]]) -> bytes:
        def once() -> bytes:
            parts, total = [], None
            for chunk in call():
                parts.append(chunk.data)
                total = chunk.total_bytes
            data = b"".join(parts)
            if total is not None and len(data) != total:
                raise ValueError(f"received {len(data)} of {total} bytes")
            return data

        return self._retry(once)

    def fetch_proof(self, job_id: str) -> bytes:
        """The proof artefact of a SUCCEEDED job."""
        return self._gather(lambda: self._stub.FetchProof(
            pb.FetchProofRequest(job_id=job_id), **self._kw()))

    def fetch_verifier_key(self, model_id: str, *, private_weights: bool = False,
                           layers_per_step: int | None = None, engine: str = "") -> bytes:
        """The verifier key of a compiled variant (for :func:`folding.verify`)."""
        request = pb.FetchVerifierKeyRequest(model_id=model_id,
                                             options=_options(private_weights, layers_per_step, engine))
        return self._gather(lambda: self._stub.FetchVerifierKey(request, **self._kw()))

    def verify(self, model_id: str, proof: bytes, *, private_weights: bool = False,
               layers_per_step: int | None = None,
               engine: str = "") -> pb.VerifyProofResponse:
        """Verifies a proof on the server (``valid`` false, with the reason, if invalid)."""
        header = pb.VerifyHeader(model_id=model_id,
                                 options=_options(private_weights, layers_per_step, engine))

        def requests() -> Iterator[pb.VerifyProofRequest]:
            yield pb.VerifyProofRequest(header=header)
            for i in range(0, len(proof), CHUNK):
                yield pb.VerifyProofRequest(chunk=proof[i:i + CHUNK])

        response: pb.VerifyProofResponse = self._retry(
            lambda: self._stub.VerifyProof(requests(), **self._kw()))
        return response
