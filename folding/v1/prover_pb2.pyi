from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    QUEUED: _ClassVar[JobState]
    RUNNING: _ClassVar[JobState]
    SUCCEEDED: _ClassVar[JobState]
    FAILED: _ClassVar[JobState]
    CANCELLED: _ClassVar[JobState]
JOB_STATE_UNSPECIFIED: JobState
QUEUED: JobState
RUNNING: JobState
SUCCEEDED: JobState
FAILED: JobState
CANCELLED: JobState

class ModelOptions(_message.Message):
    __slots__ = ("private_weights", "layers_per_step", "engine")
    PRIVATE_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    LAYERS_PER_STEP_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    private_weights: bool
    layers_per_step: int
    engine: str
    def __init__(self, private_weights: _Optional[bool] = ..., layers_per_step: _Optional[int] = ..., engine: _Optional[str] = ...) -> None: ...

class UploadModelRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: UploadHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[UploadHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadHeader(_message.Message):
    __slots__ = ("total_bytes", "sha256")
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    total_bytes: int
    sha256: str
    def __init__(self, total_bytes: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class QuantSettings(_message.Message):
    __slots__ = ("act_bits", "weight_bits", "shift", "input_scale", "output_scale")
    ACT_BITS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_BITS_FIELD_NUMBER: _ClassVar[int]
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCALE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SCALE_FIELD_NUMBER: _ClassVar[int]
    act_bits: int
    weight_bits: int
    shift: int
    input_scale: float
    output_scale: float
    def __init__(self, act_bits: _Optional[int] = ..., weight_bits: _Optional[int] = ..., shift: _Optional[int] = ..., input_scale: _Optional[float] = ..., output_scale: _Optional[float] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ("first_layer", "num_steps", "layers_per_step")
    FIRST_LAYER_FIELD_NUMBER: _ClassVar[int]
    NUM_STEPS_FIELD_NUMBER: _ClassVar[int]
    LAYERS_PER_STEP_FIELD_NUMBER: _ClassVar[int]
    first_layer: int
    num_steps: int
    layers_per_step: int
    def __init__(self, first_layer: _Optional[int] = ..., num_steps: _Optional[int] = ..., layers_per_step: _Optional[int] = ...) -> None: ...

class CompiledVariant(_message.Message):
    __slots__ = ("options", "commitment", "segments", "total_steps", "verifier_key_bytes", "engine", "srs_id")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_KEY_BYTES_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    SRS_ID_FIELD_NUMBER: _ClassVar[int]
    options: ModelOptions
    commitment: bytes
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    total_steps: int
    verifier_key_bytes: int
    engine: str
    srs_id: bytes
    def __init__(self, options: _Optional[_Union[ModelOptions, _Mapping]] = ..., commitment: _Optional[bytes] = ..., segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., total_steps: _Optional[int] = ..., verifier_key_bytes: _Optional[int] = ..., engine: _Optional[str] = ..., srs_id: _Optional[bytes] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("model_id", "size_bytes", "layers", "parameters", "input_dim", "output_dim", "settings", "compiled", "created")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    INPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    COMPILED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    size_bytes: int
    layers: int
    parameters: int
    input_dim: int
    output_dim: int
    settings: QuantSettings
    compiled: _containers.RepeatedCompositeFieldContainer[CompiledVariant]
    created: bool
    def __init__(self, model_id: _Optional[str] = ..., size_bytes: _Optional[int] = ..., layers: _Optional[int] = ..., parameters: _Optional[int] = ..., input_dim: _Optional[int] = ..., output_dim: _Optional[int] = ..., settings: _Optional[_Union[QuantSettings, _Mapping]] = ..., compiled: _Optional[_Iterable[_Union[CompiledVariant, _Mapping]]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ("model_id", "options", "compile")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    COMPILE_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    options: ModelOptions
    compile: bool
    def __init__(self, model_id: _Optional[str] = ..., options: _Optional[_Union[ModelOptions, _Mapping]] = ..., compile: _Optional[bool] = ...) -> None: ...

class SubmitJobRequest(_message.Message):
    __slots__ = ("model_id", "input", "options", "request_id")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    input: _containers.RepeatedScalarFieldContainer[float]
    options: ModelOptions
    request_id: str
    def __init__(self, model_id: _Optional[str] = ..., input: _Optional[_Iterable[float]] = ..., options: _Optional[_Union[ModelOptions, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "segment", "segments", "steps_done", "total_steps", "rate", "eta_s", "elapsed_s")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    STEPS_DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    ETA_S_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    stage: str
    segment: int
    segments: int
    steps_done: int
    total_steps: int
    rate: float
    eta_s: float
    elapsed_s: float
    def __init__(self, stage: _Optional[str] = ..., segment: _Optional[int] = ..., segments: _Optional[int] = ..., steps_done: _Optional[int] = ..., total_steps: _Optional[int] = ..., rate: _Optional[float] = ..., eta_s: _Optional[float] = ..., elapsed_s: _Optional[float] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("job_id", "model_id", "request_id", "options", "state", "progress", "error_code", "error_message", "created_at", "started_at", "finished_at", "attempts", "resumed_from_step", "commitment", "output", "logits", "proof_bytes")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FROM_STEP_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    LOGITS_FIELD_NUMBER: _ClassVar[int]
    PROOF_BYTES_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    model_id: str
    request_id: str
    options: ModelOptions
    state: JobState
    progress: Progress
    error_code: str
    error_message: str
    created_at: float
    started_at: float
    finished_at: float
    attempts: int
    resumed_from_step: int
    commitment: bytes
    output: _containers.RepeatedScalarFieldContainer[int]
    logits: _containers.RepeatedScalarFieldContainer[float]
    proof_bytes: int
    def __init__(self, job_id: _Optional[str] = ..., model_id: _Optional[str] = ..., request_id: _Optional[str] = ..., options: _Optional[_Union[ModelOptions, _Mapping]] = ..., state: _Optional[_Union[JobState, str]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., created_at: _Optional[float] = ..., started_at: _Optional[float] = ..., finished_at: _Optional[float] = ..., attempts: _Optional[int] = ..., resumed_from_step: _Optional[int] = ..., commitment: _Optional[bytes] = ..., output: _Optional[_Iterable[int]] = ..., logits: _Optional[_Iterable[float]] = ..., proof_bytes: _Optional[int] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WaitJobRequest(_message.Message):
    __slots__ = ("job_id", "timeout_s")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    timeout_s: float
    def __init__(self, job_id: _Optional[str] = ..., timeout_s: _Optional[float] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("states", "model_id", "page_size", "page_token")
    STATES_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[JobState]
    model_id: str
    page_size: int
    page_token: str
    def __init__(self, states: _Optional[_Iterable[_Union[JobState, str]]] = ..., model_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: Job
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class FetchProofRequest(_message.Message):
    __slots__ = ("job_id", "chunk_bytes")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    chunk_bytes: int
    def __init__(self, job_id: _Optional[str] = ..., chunk_bytes: _Optional[int] = ...) -> None: ...

class FetchVerifierKeyRequest(_message.Message):
    __slots__ = ("model_id", "options", "chunk_bytes")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    options: ModelOptions
    chunk_bytes: int
    def __init__(self, model_id: _Optional[str] = ..., options: _Optional[_Union[ModelOptions, _Mapping]] = ..., chunk_bytes: _Optional[int] = ...) -> None: ...

class Chunk(_message.Message):
    __slots__ = ("data", "offset", "total_bytes")
    DATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    offset: int
    total_bytes: int
    def __init__(self, data: _Optional[bytes] = ..., offset: _Optional[int] = ..., total_bytes: _Optional[int] = ...) -> None: ...

class VerifyProofRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: VerifyHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[VerifyHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class VerifyHeader(_message.Message):
    __slots__ = ("model_id", "options")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    options: ModelOptions
    def __init__(self, model_id: _Optional[str] = ..., options: _Optional[_Union[ModelOptions, _Mapping]] = ...) -> None: ...

class VerifyProofResponse(_message.Message):
    __slots__ = ("valid", "reason", "commitment", "input", "output", "logits")
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    LOGITS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    reason: str
    commitment: bytes
    input: _containers.RepeatedScalarFieldContainer[int]
    output: _containers.RepeatedScalarFieldContainer[int]
    logits: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, valid: _Optional[bool] = ..., reason: _Optional[str] = ..., commitment: _Optional[bytes] = ..., input: _Optional[_Iterable[int]] = ..., output: _Optional[_Iterable[int]] = ..., logits: _Optional[_Iterable[float]] = ...) -> None: ...
