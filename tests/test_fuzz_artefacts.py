"""Every artefact reader under bounded fuzzing (issue 15, item 8): proofs, verifier keys,
compiled models, SRS files and checkpoints, with the ``pasta`` engine (``test_engines.py``
fuzzes the ``bn254`` proof and key). Each mutated file gives a typed error or, when the
mutation leaves what it says unchanged, success: never a panic or a traceback. See
``fuzz_support.py`` for the mutations."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from fuzz_support import FUZZ, mutate_artefact, mutate_bytes, outcome
from hypothesis import given, settings
from hypothesis import strategies as st

import folding
from folding.api import CompiledModel, Proof, Verified, VerifierKey
from folding.artefacts import Kind
from folding.errors import CancelledError, FoldingError
from folding.srs import Srs
from folding.testing import mlp_onnx

SMALL = {"act_bits": 8, "weight_bits": 6}
X = np.array([0.3, -0.2, 0.5, 0.1])
X_OTHER = np.array([-0.4, 0.1, 0.2, 0.6])


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("params")


@pytest.fixture(scope="module")
def models(cache: Path) -> tuple[CompiledModel, CompiledModel]:
    """A two-segment model (one layer per step) and another model of the same shape."""
    one = folding.compile(mlp_onnx([4, 6, 3], seed=11), layers_per_step=1, cache_dir=cache,
                          **SMALL)
    two = folding.compile(mlp_onnx([4, 6, 3], seed=12), layers_per_step=1, cache_dir=cache,
                          **SMALL)
    return one, two


@pytest.fixture(scope="module")
def proofs(models: tuple[CompiledModel, CompiledModel], cache: Path) -> tuple[Proof, Proof]:
    """Two proofs of the first model, on two inputs."""
    model = models[0]
    return folding.prove(model, X, cache_dir=cache), folding.prove(model, X_OTHER,
                                                                    cache_dir=cache)


def _same_statement(result: Verified | FoldingError, *valid: Proof) -> None:
    """A mutated proof or key that still verifies must prove what one of the valid proofs
    proved (a splice may rebuild the other proof whole)."""
    if isinstance(result, Verified):
        assert (result.model_commitment, result.input, result.output) in \
            [(p.model_commitment, p.input, p.output) for p in valid]


@FUZZ
@given(data=st.data())
def test_a_mutated_proof_is_a_typed_error_or_the_same_statement(
        data: st.DataObject, models: tuple[CompiledModel, CompiledModel],
        proofs: tuple[Proof, Proof]) -> None:
    model, proof = models[0], proofs[0]
    raw = mutate_artefact(data, Kind.PROOF, proof.to_bytes(), proofs[1].to_bytes())
    _same_statement(outcome(lambda: folding.verify(raw, model.verifier_key)), *proofs)
    parsed = outcome(lambda: Proof.from_bytes(raw))
    assert isinstance(parsed, (Proof, FoldingError))


@FUZZ
@given(data=st.data())
def test_a_mutated_verifier_key_is_a_typed_error_or_the_same_key(
        data: st.DataObject, models: tuple[CompiledModel, CompiledModel],
        proofs: tuple[Proof, Proof], cache: Path) -> None:
    model, other = models
    raw = mutate_artefact(data, Kind.VERIFIER_KEY, model.verifier_key.to_bytes(),
                          other.verifier_key.to_bytes())
    key = outcome(lambda: VerifierKey.from_bytes(raw))
    if isinstance(key, VerifierKey):
        # decoding the key itself (not just its container) is part of the reader
        outcome(lambda: key.prepare(cache_dir=cache))
        _same_statement(outcome(lambda: folding.verify(proofs[0], key)), proofs[0])


@settings(FUZZ, max_examples=max(4, FUZZ.max_examples // 2))
@given(data=st.data())
def test_a_mutated_compiled_model_is_a_typed_error_or_a_model(
        data: st.DataObject, models: tuple[CompiledModel, CompiledModel],
        proofs: tuple[Proof, Proof]) -> None:
    model, other = models
    raw = mutate_artefact(data, Kind.MODEL, model.to_bytes(), other.to_bytes())
    loaded = outcome(lambda: CompiledModel.from_bytes(raw))
    if isinstance(loaded, CompiledModel):
        _same_statement(outcome(lambda: folding.verify(proofs[0], loaded)), proofs[0])
        outcome(lambda: loaded.plan())


@pytest.fixture(scope="module")
def srs_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Srs, Srs]:
    folder = tmp_path_factory.mktemp("srs")
    return Srs.generate(folder / "a.ptau", 6), Srs.generate(folder / "b.ptau", 6)


@FUZZ
@given(data=st.data())
def test_a_mutated_srs_file_is_a_typed_error_or_an_srs(data: st.DataObject,
                                                        srs_files: tuple[Srs, Srs],
                                                        tmp_path_factory: pytest.TempPathFactory
                                                        ) -> None:
    one, two = srs_files
    raw = mutate_bytes(data, Path(one.path).read_bytes(), Path(two.path).read_bytes())
    path = tmp_path_factory.mktemp("bad") / "mutated.ptau"
    path.write_bytes(raw)
    opened = outcome(lambda: Srs.open(path))
    if isinstance(opened, Srs):
        assert opened.log_size >= 1 and len(opened.id) == 32


@pytest.fixture(scope="module")
def checkpoints(models: tuple[CompiledModel, CompiledModel], cache: Path,
                tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """Checkpoints of two inputs' proofs, each written after the first segment."""
    found = []
    for x in (X, X_OTHER):
        path = tmp_path_factory.mktemp("ckpt") / "proof.ckpt"
        cancel = threading.Event()

        def stop(info: folding.api.ProgressInfo, cancel: threading.Event = cancel) -> None:
            if info.steps_done >= 1:
                cancel.set()

        with pytest.raises(CancelledError):
            folding.prove(models[0], x, cache_dir=cache, checkpoint=path, cancel=cancel,
                          progress=stop, poll_interval=0.005)
        found.append(path.read_bytes())
    return found[0], found[1]


@settings(FUZZ, max_examples=max(3, FUZZ.max_examples // 5))
@given(data=st.data())
def test_a_mutated_checkpoint_is_ignored_or_resumed_never_a_wrong_proof(
        data: st.DataObject, models: tuple[CompiledModel, CompiledModel],
        proofs: tuple[Proof, Proof], checkpoints: tuple[bytes, bytes], cache: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("ckpt") / "proof.ckpt"
    path.write_bytes(mutate_bytes(data, *checkpoints))
    proof = outcome(lambda: folding.prove(models[0], X, cache_dir=cache, checkpoint=path))
    if isinstance(proof, Proof):
        _same_statement(folding.verify(proof, models[0]), proofs[0])
