"""Type stub of the private native module built from ``rust_ext/py`` (PyO3).

Checked against the build by ``tests/test_native_stub.py``.
"""

from typing import Any

NOVA_SNARK_VERSION: str
CIRCUIT_VERSION: int

class Progress:
    """Shared progress of a running proof; poll it from another thread."""

    def __init__(self) -> None: ...
    @property
    def steps_done(self) -> int: ...
    @property
    def total_steps(self) -> int: ...
    @property
    def segment(self) -> int: ...
    @property
    def stage(self) -> str: ...
    def cancel(self) -> None: ...

class NativeModel:
    """A quantized network held natively, with its segment plan."""

    def __init__(
        self,
        act_bits: int,
        weight_bits: int,
        shift: int,
        layers: list[tuple[int, int, bool, bytes, bytes]],
        private: bool,
        salts: list[bytes],
        segments: list[list[int]] | list[tuple[int, int, int]] | None = None,
        layers_per_step: int | None = None,
        max_segment_nnz: int | None = None,
        max_segment_steps: int | None = None,
        engine: str = "pasta",
    ) -> None: ...
    @property
    def engine(self) -> str: ...
    def srs_log_size(self) -> int: ...
    def plan(self) -> list[dict[str, Any]]: ...
    def forward(self, x: list[int]) -> list[list[int]]: ...
    def setup(self, cache_dir: str | None = None, srs: str | None = None) -> bytes: ...
    def prove(
        self,
        x: list[int],
        cache_dir: str | None = None,
        progress: Progress | None = None,
        checkpoint: str | None = None,
        checkpoint_every: int = 0,
        srs: str | None = None,
    ) -> tuple[bytes, dict[str, Any]]: ...
    def prove_segment(
        self,
        segment: int,
        x: list[int],
        step_inputs: list[list[int]],
        cache_dir: str | None = None,
        progress: Progress | None = None,
        checkpoint: str | None = None,
        checkpoint_every: int = 0,
        srs: str | None = None,
    ) -> tuple[bytes, dict[str, Any]]: ...
    def assemble(
        self, x: list[int], segments: list[bytes], commitment: bytes, srs: bytes | None = None
    ) -> bytes: ...
    def setup_batch(
        self, items: int, cache_dir: str | None = None, srs: str | None = None
    ) -> bytes: ...
    def prove_batch(
        self,
        xs: list[list[int]],
        items: int,
        cache_dir: str | None = None,
        progress: Progress | None = None,
        srs: str | None = None,
    ) -> tuple[bytes, bytes, dict[str, Any]]: ...
    def profile(
        self, x: list[int], cache_dir: str | None = None, reps: int = 3, srs: str | None = None
    ) -> list[dict[str, Any]]: ...

class PreparedVerifier:
    """A verifier key with its segment keys rebuilt once."""

    def __init__(
        self,
        verifier_key: bytes,
        cache_dir: str | None = None,
        expected_srs: bytes | None = None,
    ) -> None: ...
    def verify(self, proof: bytes) -> None: ...

def verify(
    verifier_key: bytes,
    proof: bytes,
    cache_dir: str | None = None,
    expected_srs: bytes | None = None,
) -> None: ...
def srs_new(path: str, log_size: int) -> dict[str, Any]: ...
def srs_info(path: str) -> dict[str, Any]: ...
def model_commitment(verifier_key: bytes) -> bytes: ...
def proof_info(proof: bytes) -> dict[str, Any]: ...
def verifier_key_info(verifier_key: bytes) -> dict[str, Any]: ...
def keep_keys_in_memory(segments: int) -> None: ...
