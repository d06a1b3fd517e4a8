"""End-to-end proofs through the public API, and every way a verifier must reject.

Each real proof costs seconds (mostly the per-segment compression), so the models are proven
once per module and the rejection tests tamper with copies of those proofs.
"""

from __future__ import annotations

import pickle
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

import folding
from folding import artefacts
from folding.api import CompiledModel, Proof, VerifierKey
from folding.artefacts import Kind
from folding.errors import (
    ArtefactError,
    CancelledError,
    InputError,
    ModelMismatchError,
    RangeError,
    VerificationError,
)
from folding.reference import predict_int
from folding.testing import mlp_onnx

SMALL = {"act_bits": 8, "weight_bits": 6}
X = np.array([0.3, -0.2, 0.5, 0.1])


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("params")


@pytest.fixture(scope="module")
def public(cache: Path) -> tuple[CompiledModel, Proof]:
    """4 -> 6 head, two 6 -> 6 steps, 6 -> 3 tail: three segments."""
    model = folding.compile(mlp_onnx([4, 6, 6, 6, 3], seed=3), layers_per_step=1,
                            cache_dir=cache, **SMALL)
    assert len(model.segments) == 3
    return model, folding.prove(model, X, cache_dir=cache)


@pytest.fixture(scope="module")
def private(cache: Path) -> tuple[CompiledModel, Proof]:
    model = folding.compile(mlp_onnx([4, 5, 3], seed=4), private_weights=True,
                            cache_dir=cache, **SMALL)
    return model, folding.prove(model, X, cache_dir=cache)


def _input_offset(proof: Proof) -> int:
    """Byte offset of the first input value inside the native proof bundle."""
    # magic (8) + format u32 + engine (u32 variant) + SRS id (Option<[u8; 32]>: a tag byte,
    # then the id when present) + commitment [u8; 32]; vectors are a u64 length then i64s
    srs = 0 if proof.data[16] == 0 else 32
    return 8 + 4 + 4 + 1 + srs + 32 + 8


def _native_offsets(proof: Proof) -> tuple[int, int]:
    """Byte offsets of the input and output vectors inside the native proof bundle."""
    start_in = _input_offset(proof)
    start_out = start_in + 8 * len(proof.input) + 8
    return start_in, start_out


def _repack(proof: Proof, data: bytes) -> bytes:
    """A proof artefact around edited native bytes (with a valid checksum)."""
    return artefacts.pack(Kind.PROOF, {"model_commitment": proof.model_commitment.hex(),
                                       "output_scale": proof.output_scale}, {"proof": data})


def _bumped(proof: Proof, offset: int) -> bytes:
    """The proof artefact with the native i64 at ``offset`` increased by one."""
    data = bytearray(proof.data)
    struct.pack_into("<q", data, offset, struct.unpack_from("<q", data, offset)[0] + 1)
    return _repack(proof, bytes(data))


def test_public_model_proves_the_reference_output(public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    x_q = model.quantized.quantize_input(X)
    assert list(proof.input) == list(x_q)
    assert list(proof.output) == list(predict_int(model.quantized, x_q))
    result = folding.verify(proof, model)
    assert result.output == proof.output
    assert result.model_commitment == model.commitment
    np.testing.assert_allclose(result.logits, np.asarray(proof.output) / model.quantized.output_scale)


def test_round_trips_through_bytes(public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    model2 = CompiledModel.from_bytes(model.to_bytes())
    assert model2.commitment == model.commitment
    assert model2.segments == model.segments
    vk = VerifierKey.from_bytes(model.verifier_key.to_bytes())
    folding.verify(proof.to_bytes(), vk.to_bytes())
    folding.verify(Proof.from_bytes(proof.to_bytes()), model2)


def test_a_key_keeps_its_decoded_verifier_and_still_rejects(
        public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    vk = VerifierKey.from_bytes(model.verifier_key.to_bytes())
    folding.verify(proof, vk)
    prepared = vk._prepared
    folding.verify(proof, vk)
    assert vk._prepared is prepared, "the decoded keys are reused"
    start_in, _ = _native_offsets(proof)
    with pytest.raises(VerificationError):
        folding.verify(_bumped(proof, start_in), vk)
    # The native verifier is not pickled; a copy rebuilds it and verifies the same way.
    copy = pickle.loads(pickle.dumps(vk))
    assert copy == vk and "_prepared" not in copy.__dict__
    folding.verify(proof, copy)


def test_private_weights_prove_and_verify(private: tuple[CompiledModel, Proof]) -> None:
    model, proof = private
    assert model.private_weights and len(model.salts) == len(model.quantized.layers)
    folding.verify(proof, model.verifier_key)
    # the verifier key carries no weights: it is small and has no weight section
    _header, sections = artefacts.unpack(model.verifier_key.to_bytes(), Kind.VERIFIER_KEY)
    assert set(sections) == {"key"}


def test_private_commitment_changes_with_the_salt(cache: Path) -> None:
    # same weights, fresh salts: a different (blinded) commitment
    onnx = mlp_onnx([4, 5, 3], seed=4)
    a = folding.compile(onnx, private_weights=True, cache_dir=cache, **SMALL)
    b = folding.compile(onnx, private_weights=True, cache_dir=cache, **SMALL)
    assert a.commitment != b.commitment


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7, 0.9])
def test_flipped_proof_bytes_are_rejected(public: tuple[CompiledModel, Proof],
                                          where: float) -> None:
    model, proof = public
    data = bytearray(proof.data)
    pos = int(len(data) * where)
    data[pos] ^= 0x21
    with pytest.raises((VerificationError, ArtefactError)):
        folding.verify(_repack(proof, bytes(data)), model)


def test_flipped_artefact_byte_fails_the_checksum(public: tuple[CompiledModel, Proof]) -> None:
    _, proof = public
    raw = bytearray(proof.to_bytes())
    raw[len(raw) // 2] ^= 1
    with pytest.raises(ArtefactError, match="checksum"):
        Proof.from_bytes(bytes(raw))


def test_wrong_claimed_output_is_rejected(public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    _, out = _native_offsets(proof)
    with pytest.raises(VerificationError, match="claimed output"):
        folding.verify(_bumped(proof, out), model)
    with pytest.raises(VerificationError, match="expected output"):
        folding.verify(proof, model, expected_output=[v + 1 for v in proof.output])


def test_wrong_input_is_rejected(public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    start, _ = _native_offsets(proof)
    with pytest.raises(VerificationError, match="wrong input"):
        folding.verify(_bumped(proof, start), model)
    with pytest.raises(VerificationError, match="expected input"):
        folding.verify(proof, model, expected_input=[v + 1 for v in proof.input])


def test_proof_against_another_model_is_rejected(public: tuple[CompiledModel, Proof],
                                                 private: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    other, other_proof = private
    with pytest.raises(ModelMismatchError):
        folding.verify(proof, other)
    with pytest.raises(ModelMismatchError):
        folding.verify(other_proof, model)


def test_truncated_artefacts_are_rejected(public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    for blob, parse in ((proof.to_bytes(), Proof.from_bytes),
                        (model.to_bytes(), CompiledModel.from_bytes),
                        (model.verifier_key.to_bytes(), VerifierKey.from_bytes)):
        for cut in (0, 5, 20, len(blob) // 2, len(blob) - 1):
            with pytest.raises(ArtefactError):
                parse(blob[:cut])


def test_artefact_kinds_are_not_interchangeable(public: tuple[CompiledModel, Proof]) -> None:
    model, proof = public
    with pytest.raises(ArtefactError, match="expected a proof"):
        Proof.from_bytes(model.to_bytes())
    with pytest.raises(ArtefactError, match="expected a verifier key"):
        VerifierKey.from_bytes(proof.to_bytes())


def test_out_of_range_input_names_the_element(public: tuple[CompiledModel, Proof]) -> None:
    model, _ = public
    x = X.copy()
    x[2] = 1e6
    with pytest.raises(RangeError) as info:
        folding.prove(model, x)
    assert info.value.layer is None and info.value.neuron == 2


def test_wrong_input_shape_is_an_input_error(public: tuple[CompiledModel, Proof]) -> None:
    model, _ = public
    with pytest.raises(InputError):
        folding.prove(model, np.zeros(5))
    with pytest.raises(InputError):
        folding.prove(model, np.zeros(4), quantized=True)  # floats are not integers


def test_a_model_loaded_from_bytes_proves(private: tuple[CompiledModel, Proof],
                                          cache: Path) -> None:
    model, _ = private
    loaded = CompiledModel.from_bytes(model.to_bytes())
    assert loaded.salts == model.salts
    proof = folding.prove(loaded, X, cache_dir=cache)
    assert folding.verify(proof, model.verifier_key).output == proof.output


def test_verifier_key_is_rederived_from_the_weights(public: tuple[CompiledModel, Proof],
                                                    cache: Path) -> None:
    model, _ = public
    assert model.rederive_verifier_key(cache).commitment == model.commitment


@pytest.fixture(scope="module")
def batch(cache: Path) -> tuple[CompiledModel, np.ndarray, Proof, VerifierKey]:
    """Five inputs, two per step (padded to six), through the public three-layer model."""
    model = folding.compile(mlp_onnx([4, 6, 3], seed=5), cache_dir=cache, **SMALL)
    xs = np.random.default_rng(7).uniform(-1, 1, (5, 4))
    proof, key = folding.prove_batch(model, xs, items_per_step=2, cache_dir=cache)
    return model, xs, proof, key


def test_batch_proof_states_every_reference_output(
        batch: tuple[CompiledModel, np.ndarray, Proof, VerifierKey]) -> None:
    model, xs, proof, key = batch
    q = model.quantized
    outputs = np.asarray(proof.output).reshape(-1, q.output_dim)
    assert outputs.shape[0] == 6
    for row, x in zip(outputs, xs):
        assert list(row) == list(predict_int(q, q.quantize_input(x)))
    verified = folding.verify(proof, key)
    assert verified.output == proof.output
    assert proof.stats["segments"][0]["steps"] == 3


def test_batch_key_is_the_one_setup_derives(
        batch: tuple[CompiledModel, np.ndarray, Proof, VerifierKey], cache: Path) -> None:
    model, _, proof, key = batch
    again = folding.api.batch_verifier_key(model, items_per_step=2, cache_dir=cache)
    assert again.commitment == key.commitment == proof.model_commitment
    folding.verify(proof, again)


def test_batch_proof_is_rejected_by_the_single_inference_key_and_when_tampered(
        batch: tuple[CompiledModel, np.ndarray, Proof, VerifierKey]) -> None:
    model, _, proof, key = batch
    with pytest.raises(ModelMismatchError):
        folding.verify(proof, model)
    _, start_out = _native_offsets(proof)
    with pytest.raises(VerificationError):
        folding.verify(_bumped(proof, start_out + 8 * 4), key)  # item 1's second output
    with pytest.raises(VerificationError):
        folding.verify(_bumped(proof, _input_offset(proof) + 8 * 5), key)  # item 1's second input


def test_batch_bad_requests_are_typed_errors(
        batch: tuple[CompiledModel, np.ndarray, Proof, VerifierKey], cache: Path) -> None:
    model, xs, _, _ = batch
    with pytest.raises(InputError):
        folding.prove_batch(model, xs[0], cache_dir=cache)  # one vector, not a batch
    with pytest.raises(InputError):
        folding.prove_batch(model, np.zeros((0, 4)), cache_dir=cache)
    with pytest.raises(RangeError):
        folding.prove_batch(model, np.array([[0, 0, 0, 1000]]), quantized=True, cache_dir=cache)


def test_a_cancelled_proof_resumes_from_its_checkpoint(public: tuple[CompiledModel, Proof],
                                                        cache: Path, tmp_path: Path) -> None:
    model, reference = public
    ckpt = tmp_path / "proof.ckpt"
    cancel = threading.Event()

    def stop_after_two_steps(info: folding.api.ProgressInfo) -> None:
        if info.steps_done >= 2:
            cancel.set()

    with pytest.raises(CancelledError):
        folding.prove(model, X, cache_dir=cache, checkpoint=ckpt, checkpoint_every=1,
                      cancel=cancel, progress=stop_after_two_steps, poll_interval=0.005)
    assert ckpt.exists()
    resumed = folding.prove(model, X, cache_dir=cache, checkpoint=ckpt, checkpoint_every=1)
    assert resumed.stats["resumed_from_step"] >= 2
    assert not ckpt.exists(), "a finished proof removes its checkpoint"
    assert (resumed.input, resumed.output) == (reference.input, reference.output)
    folding.verify(resumed, model)
    # A file that holds no checkpoint of this proof is ignored: the proof starts over.
    ckpt.write_bytes(b"not a checkpoint")
    fresh = folding.prove(model, X[::-1], cache_dir=cache, checkpoint=ckpt)
    assert fresh.stats["resumed_from_step"] == 0
    folding.verify(fresh, model)
    with pytest.raises(InputError, match="checkpoint_every"):
        folding.prove(model, X, cache_dir=cache, checkpoint=ckpt, checkpoint_every=-1)
