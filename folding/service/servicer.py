"""The ``folding.v1.Prover`` servicer: turns requests into calls on the model registry, the
job runner and :mod:`folding.api`, and every refusal into a status code with google.rpc
details naming the field, node or resource. No proving logic lives here.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
from collections.abc import AsyncIterator
from typing import Any, NoReturn, cast

import grpc
import numpy as np
from google.protobuf import message as pb_message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from folding import api
from folding.errors import (
    ArtefactError,
    FoldingError,
    InputError,
    ModelImportError,
    QuantizationError,
    RangeError,
    VerificationError,
)
from folding.reference import predict_int
from folding.service.config import ServiceConfig
from folding.service.jobs import JobFinishedError, JobRunner
from folding.service.models import ModelRegistry
from folding.service.store import (
    STATES,
    ArtefactStore,
    JobRecord,
    JobStore,
    Options,
    QueueFullError,
    RequestConflictError,
)
from folding.v1 import prover_pb2 as pb
from folding.v1 import prover_pb2_grpc

DEFAULT_CHUNK = 1 << 20
MAX_CHUNK = 3 << 20  # under gRPC's default 4 MiB message limit
MAX_LAYERS_PER_STEP = 4096


# -- errors ------------------------------------------------------------------------------------


async def _abort(context: grpc.aio.ServicerContext[Any, Any], code: grpc.StatusCode, message: str,
                 *details: pb_message.Message) -> NoReturn:
    status = status_pb2.Status(code=code.value[0], message=message)
    for detail in details:
        status.details.add().Pack(detail)
    await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # pragma: no cover


def _bad_request(field: str, description: str) -> error_details_pb2.BadRequest:
    return error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=field, description=description)])


async def _invalid(context: grpc.aio.ServicerContext[Any, Any], field: str, message: str) -> NoReturn:
    await _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"{field}: {message}",
                 _bad_request(field, message))


async def _not_found(context: grpc.aio.ServicerContext[Any, Any], kind: str, name: str) -> NoReturn:
    await _abort(context, grpc.StatusCode.NOT_FOUND, f"no {kind} {name!r}",
                 error_details_pb2.ResourceInfo(resource_type=kind, resource_name=name,
                                                description="not found"))


async def _precondition(context: grpc.aio.ServicerContext[Any, Any], kind: str, subject: str,
                        message: str) -> NoReturn:
    await _abort(context, grpc.StatusCode.FAILED_PRECONDITION, message,
                 error_details_pb2.PreconditionFailure(violations=[
                     error_details_pb2.PreconditionFailure.Violation(
                         type=kind, subject=subject, description=message)]))


async def _exhausted(context: grpc.aio.ServicerContext[Any, Any], subject: str, message: str) -> NoReturn:
    await _abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, message,
                 error_details_pb2.QuotaFailure(violations=[
                     error_details_pb2.QuotaFailure.Violation(subject=subject,
                                                              description=message)]))


def _model_error_field(exc: FoldingError) -> str:
    node = getattr(exc, "node", None)
    return f"model.node[{node}]" if node else "model"


# -- conversions -------------------------------------------------------------------------------


def _options(msg: pb.ModelOptions) -> Options:
    """The variant a request names (an empty engine is the default one)."""
    engine = msg.engine or api.DEFAULT_ENGINE
    return Options(private_weights=msg.private_weights, layers_per_step=msg.layers_per_step,
                   engine=engine)


def _options_msg(options: Options | dict[str, Any]) -> pb.ModelOptions:
    if isinstance(options, dict):
        options = Options(**options)
    return pb.ModelOptions(private_weights=options.private_weights,
                           layers_per_step=options.layers_per_step, engine=options.engine)


def model_info_msg(info: dict[str, Any], created: bool = False) -> pb.ModelInfo:
    """The ``ModelInfo`` message of a registry info dict."""
    st = info["settings"]
    return pb.ModelInfo(
        model_id=info["model_id"], size_bytes=info["size_bytes"], layers=info["layers"],
        parameters=info["parameters"], input_dim=info["input_dim"],
        output_dim=info["output_dim"], created=created,
        settings=pb.QuantSettings(**st),
        compiled=[pb.CompiledVariant(
            options=_options_msg(v["options"]), commitment=bytes.fromhex(v["commitment"]),
            segments=[pb.Segment(**s) for s in v["segments"]], total_steps=v["total_steps"],
            verifier_key_bytes=v["verifier_key_bytes"], engine=v.get("engine", "pasta"),
            srs_id=bytes.fromhex(v.get("srs_id", ""))) for v in info["compiled"]])


class ProverServicer(prover_pb2_grpc.ProverServicer):
    """The service.

    Args:
        config: Limits and settings.
        store: The job store.
        files: The artefact store.
        models: The model registry.
        runner: The job runner.
    """

    def __init__(self, config: ServiceConfig, store: JobStore, files: ArtefactStore,
                 models: ModelRegistry, runner: JobRunner) -> None:
        self._config, self._store, self._files = config, store, files
        self._models, self._runner = models, runner

    async def _refuse_if_draining(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        if self._runner.draining:
            await _abort(context, grpc.StatusCode.UNAVAILABLE,
                         "the server is draining; retry on another server or after restart")

    def _job_msg(self, job: JobRecord) -> pb.Job:
        rate, eta, elapsed = self._runner.rate_and_eta(job)
        return pb.Job(
            job_id=job.job_id, model_id=job.model_id, request_id=job.request_id or "",
            options=_options_msg(job.options), state=cast(pb.JobState, pb.JobState.Value(job.state)),
            progress=pb.Progress(stage=job.stage, segment=job.segment, segments=job.segments,
                                 steps_done=job.steps_done, total_steps=job.total_steps,
                                 rate=rate, eta_s=eta, elapsed_s=elapsed),
            error_code=job.error_code, error_message=job.error_message,
            created_at=job.created_at, started_at=job.started_at,
            finished_at=job.finished_at, attempts=job.attempts,
            resumed_from_step=job.resumed_from_step, commitment=job.commitment,
            output=list(job.output), logits=list(job.logits), proof_bytes=job.proof_bytes)

    async def _job(self, job_id: str, context: grpc.aio.ServicerContext[Any, Any]) -> JobRecord:
        if not job_id:
            await _invalid(context, "job_id", "required")
        job = self._runner.snapshot(job_id)
        if job is None:
            await _not_found(context, "job", job_id)
        return job

    async def _variant_options(self, model_id: str, msg: pb.ModelOptions,
                               context: grpc.aio.ServicerContext[Any, Any]) -> Options:
        if not model_id:
            await _invalid(context, "model_id", "required")
        options = _options(msg)
        if options.engine not in api.ENGINES:
            await _invalid(context, "options.engine",
                           f"unknown engine {options.engine!r}, expected one of "
                           f"{', '.join(api.ENGINES)}")
        if options.layers_per_step > MAX_LAYERS_PER_STEP:
            await _invalid(context, "options.layers_per_step",
                           f"at most {MAX_LAYERS_PER_STEP}, got {options.layers_per_step}")
        if self._store.get_model(model_id) is None:
            await _not_found(context, "model", model_id)
        return options

    async def _compiled_variant(self, model_id: str, options: Options,
                                context: grpc.aio.ServicerContext[Any, Any]) -> api.CompiledModel:
        if self._models.variant(model_id, options) is None:
            await _precondition(context, "COMPILED", f"{model_id}/{options.key}",
                                f"model {model_id} has no compiled variant {options.key} yet: "
                                "submit a job or call GetModel with compile set")
        return await asyncio.to_thread(self._models.compiled, model_id, options)

    # -- models -------------------------------------------------------------------------------

    async def UploadModel(self, request_iterator: AsyncIterator[pb.UploadModelRequest],
                          context: grpc.aio.ServicerContext[Any, Any]) -> pb.ModelInfo:
        await self._refuse_if_draining(context)
        limit = self._config.max_model_bytes
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("part") != "header":
            await _invalid(context, "header", "the first message must be the upload header")
        header = first.header
        if header.total_bytes > limit:
            await _exhausted(context, "model.size",
                             f"the model has {header.total_bytes} bytes; the limit is {limit}")
        fd, staged = self._files.temp_file()
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as f:
                async for req in request_iterator:
                    if req.WhichOneof("part") != "chunk":
                        await _invalid(context, "header", "sent twice")
                    size += len(req.chunk)
                    if size > limit:
                        await _exhausted(context, "model.size",
                                         f"the model exceeds the limit of {limit} bytes")
                    digest.update(req.chunk)
                    f.write(req.chunk)
                f.flush()
                os.fsync(f.fileno())
            if size == 0:
                await _invalid(context, "chunk", "the model is empty")
            if header.total_bytes and size != header.total_bytes:
                await _invalid(context, "header.total_bytes",
                               f"announced {header.total_bytes} bytes, received {size}")
            model_id = digest.hexdigest()
            if header.sha256 and header.sha256.lower() != model_id:
                await _invalid(context, "header.sha256",
                               f"announced {header.sha256}, the bytes hash to {model_id}")
            try:
                info, created = await asyncio.to_thread(self._models.ingest, model_id, staged)
            except (ModelImportError, QuantizationError) as exc:
                await _invalid(context, _model_error_field(exc), str(exc))
            return model_info_msg(info, created)
        finally:
            staged.unlink(missing_ok=True)

    async def GetModel(self, request: pb.GetModelRequest,
                       context: grpc.aio.ServicerContext[Any, Any]) -> pb.ModelInfo:
        options = await self._variant_options(request.model_id, request.options, context)
        if request.compile:
            await asyncio.to_thread(self._models.compiled, request.model_id, options)
        return model_info_msg(self._models.info(request.model_id))

    # -- jobs ---------------------------------------------------------------------------------

    async def SubmitJob(self, request: pb.SubmitJobRequest,
                        context: grpc.aio.ServicerContext[Any, Any]) -> pb.Job:
        await self._refuse_if_draining(context)
        options = await self._variant_options(request.model_id, request.options, context)
        x = list(request.input)
        if len(x) > self._config.max_input_len:
            await _exhausted(context, "input", f"the input has {len(x)} values; the limit is "
                             f"{self._config.max_input_len}")
        quantized = await asyncio.to_thread(self._models.quantized, request.model_id)
        if len(x) != quantized.input_dim:
            await _invalid(context, "input", f"the model takes {quantized.input_dim} values, "
                           f"got {len(x)}")
        bad = next((i for i, v in enumerate(x) if not math.isfinite(v)), None)
        if bad is not None:
            await _invalid(context, f"input[{bad}]", f"{x[bad]} is not a finite number")
        try:  # the specification run: an out-of-range value is refused now, not after queuing
            await asyncio.to_thread(predict_int, quantized,
                                    quantized.quantize_input(np.asarray(x)))
        except (RangeError, InputError) as exc:
            await _invalid(context, "input", str(exc))
        try:
            job, created = self._store.submit(request.model_id, options, x,
                                              request.request_id, self._config.max_queue)
        except QueueFullError as exc:
            await _exhausted(context, "queue", f"{exc}; retry later")
        except RequestConflictError as exc:
            await _invalid(context, "request_id", str(exc))
        if created:
            self._runner.enqueue(job.job_id)
        return self._job_msg(job)

    async def GetJob(self, request: pb.GetJobRequest,
                     context: grpc.aio.ServicerContext[Any, Any]) -> pb.Job:
        return self._job_msg(await self._job(request.job_id, context))

    async def WaitJob(self, request: pb.WaitJobRequest,
                      context: grpc.aio.ServicerContext[Any, Any]) -> pb.Job:
        job = await self._job(request.job_id, context)
        remaining = context.time_remaining()
        budget = min(request.timeout_s if request.timeout_s > 0 else math.inf,
                     remaining - 0.05 if remaining is not None else math.inf)
        if math.isinf(budget):
            await _invalid(context, "timeout_s", "set it, or a deadline on the call")
        deadline = asyncio.get_running_loop().time() + budget
        while not job.terminal and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(self._config.poll_interval_s)
            job = self._runner.snapshot(request.job_id) or job
        return self._job_msg(job)

    async def CancelJob(self, request: pb.CancelJobRequest,
                        context: grpc.aio.ServicerContext[Any, Any]) -> pb.Job:
        await self._job(request.job_id, context)
        try:
            return self._job_msg(self._runner.cancel(request.job_id))
        except JobFinishedError as exc:
            await _precondition(context, "STATE", request.job_id, str(exc))

    async def ListJobs(self, request: pb.ListJobsRequest,
                       context: grpc.aio.ServicerContext[Any, Any]) -> pb.ListJobsResponse:
        size = request.page_size or 100
        if size > 1000:
            await _invalid(context, "page_size", f"at most 1000, got {size}")
        states = [pb.JobState.Name(s) for s in request.states]
        if any(s not in STATES for s in states):
            await _invalid(context, "states", "JOB_STATE_UNSPECIFIED is not a state")
        before = None
        if request.page_token:
            if not request.page_token.isdigit():
                await _invalid(context, "page_token", "not a token this server issued")
            before = int(request.page_token)
        jobs = self._store.list_jobs(states, request.model_id or None, size + 1, before)
        token = str(jobs[size - 1].seq) if len(jobs) > size else ""
        return pb.ListJobsResponse(jobs=[self._job_msg(j) for j in jobs[:size]],
                                   next_page_token=token)

    async def WatchJob(self, request: pb.WatchJobRequest,
                       context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[pb.JobEvent]:
        job = await self._job(request.job_id, context)
        last: tuple[Any, ...] | None = None
        while True:
            key = (job.state, job.stage, job.segment, job.steps_done, job.total_steps,
                   job.attempts)
            if key != last:
                last = key
                yield pb.JobEvent(job=self._job_msg(job))
            if job.terminal:
                return
            await asyncio.sleep(self._config.poll_interval_s)
            job = self._runner.snapshot(request.job_id) or job

    # -- artefacts ----------------------------------------------------------------------------

    async def _chunks(self, data: bytes, chunk_bytes: int,
                      context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[pb.Chunk]:
        if chunk_bytes > MAX_CHUNK:
            await _invalid(context, "chunk_bytes", f"at most {MAX_CHUNK}, got {chunk_bytes}")
        size = chunk_bytes or DEFAULT_CHUNK
        for offset in range(0, len(data), size):
            yield pb.Chunk(data=data[offset:offset + size], offset=offset,
                           total_bytes=len(data))

    async def FetchProof(self, request: pb.FetchProofRequest,
                         context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[pb.Chunk]:
        job = await self._job(request.job_id, context)
        if job.state != "SUCCEEDED":
            await _precondition(context, "STATE", job.job_id,
                                f"job {job.job_id} is {job.state}; only a SUCCEEDED job has "
                                "a proof")
        data = await asyncio.to_thread(self._files.proof(job.job_id).read_bytes)
        async for chunk in self._chunks(data, request.chunk_bytes, context):
            yield chunk

    async def FetchVerifierKey(self, request: pb.FetchVerifierKeyRequest,
                               context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[pb.Chunk]:
        options = await self._variant_options(request.model_id, request.options, context)
        compiled = await self._compiled_variant(request.model_id, options, context)
        async for chunk in self._chunks(compiled.verifier_key.to_bytes(), request.chunk_bytes,
                                        context):
            yield chunk

    async def VerifyProof(self, request_iterator: AsyncIterator[pb.VerifyProofRequest],
                          context: grpc.aio.ServicerContext[Any, Any]) -> pb.VerifyProofResponse:
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("part") != "header":
            await _invalid(context, "header", "the first message must be the verify header")
        options = await self._variant_options(first.header.model_id, first.header.options,
                                              context)
        parts, size = [], 0
        async for req in request_iterator:
            if req.WhichOneof("part") != "chunk":
                await _invalid(context, "header", "sent twice")
            size += len(req.chunk)
            if size > self._config.max_proof_bytes:
                await _exhausted(context, "proof.size", f"the proof exceeds the limit of "
                                 f"{self._config.max_proof_bytes} bytes")
            parts.append(req.chunk)
        compiled = await self._compiled_variant(first.header.model_id, options, context)
        try:
            result = await asyncio.to_thread(api.verify, b"".join(parts),
                                             compiled.verifier_key)
        except (VerificationError, ArtefactError) as exc:
            return pb.VerifyProofResponse(valid=False, reason=str(exc))
        return pb.VerifyProofResponse(
            valid=True, commitment=result.model_commitment, input=list(result.input),
            output=list(result.output), logits=[float(v) for v in result.logits])
