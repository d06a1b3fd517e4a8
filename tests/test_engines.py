"""The succinct ``bn254`` engine end to end: SRS files, compile (with a given SRS or a local
one), prove after the parameter cache is gone, verify with kilobyte keys, and every way a
proof or key of another engine or another SRS is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fuzz_support import FUZZ, mutate_artefact, outcome
from hypothesis import given
from hypothesis import strategies as st

import folding
from folding.api import CompiledModel, Proof, Verified, VerifierKey
from folding.artefacts import Kind
from folding.errors import ModelMismatchError, SrsError, VerificationError
from folding.srs import Srs, SrsStore
from folding.testing import mlp_onnx

SMALL = {"act_bits": 8, "weight_bits": 6}
X = np.array([0.3, -0.2, 0.5, 0.1])
ONNX = mlp_onnx([4, 6, 3], seed=11)


@pytest.fixture(scope="module")
def srs(tmp_path_factory: pytest.TempPathFactory) -> Srs:
    return Srs.generate(tmp_path_factory.mktemp("srs") / "test.ptau", 18)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("params")


@pytest.fixture(scope="module")
def succinct(srs: Srs, cache: Path) -> tuple[CompiledModel, Proof]:
    """One segment, one step, with the bn254 engine."""
    model = folding.compile(ONNX, engine="bn254", srs=srs, layers_per_step=2, cache_dir=cache,
                            **SMALL)
    return model, folding.prove(model, X, cache_dir=cache)


def test_an_srs_file_reads_back_and_damage_is_a_typed_error(srs: Srs, tmp_path: Path) -> None:
    again = Srs.open(srs.path)
    assert (again.id, again.log_size, again.tau_g2) == (srs.id, 18, srs.tau_g2)
    raw = Path(srs.path).read_bytes()
    for name, data in [("truncated", raw[: len(raw) // 3]), ("empty", b""),
                       ("foreign", b"not a powers of tau file"),
                       ("flipped", raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:])]:
        bad = tmp_path / f"{name}.ptau"
        bad.write_bytes(data)
        with pytest.raises(SrsError):
            Srs.open(bad)
    with pytest.raises(SrsError):
        Srs.open(tmp_path / "missing.ptau")
    with pytest.raises(SrsError):
        Srs.generate(tmp_path / "huge.ptau", 40)


def test_a_succinct_proof_verifies_with_a_kilobyte_key(succinct: tuple[CompiledModel, Proof],
                                                       srs: Srs) -> None:
    model, proof = succinct
    assert model.engine == "bn254" and model.verifier_key.srs_id == srs.id
    key = model.verifier_key.to_bytes()
    assert len(key) < 4096, len(key)
    verified = folding.verify(proof.to_bytes(), key)
    assert verified.output == proof.output
    folding.verify(proof, model, srs=srs)           # a verifier that trusts this SRS
    folding.verify(proof, model, srs=srs.id)        # ... named by its id
    # the key is the same when derived again from the weights
    assert model.rederive_verifier_key(srs=srs).commitment == model.commitment


def test_keys_and_proofs_of_another_engine_or_srs_are_refused(
        succinct: tuple[CompiledModel, Proof], srs: Srs, cache: Path, tmp_path: Path) -> None:
    model, proof = succinct
    other_srs = Srs.generate(tmp_path / "other.ptau", 18)
    with pytest.raises(ModelMismatchError, match="SRS"):
        folding.verify(proof, model, srs=other_srs)
    with pytest.raises(ModelMismatchError, match="SRS"):
        folding.prove(model, X, cache_dir=cache, srs=other_srs)
    # the same weights with the transparent engine: another key, refused both ways
    pasta = folding.compile(ONNX, layers_per_step=2, cache_dir=cache, **SMALL)
    pasta_proof = folding.prove(pasta, X, cache_dir=cache)
    for p, k in [(pasta_proof, model), (proof, pasta)]:
        with pytest.raises(ModelMismatchError, match="profile"):
            folding.verify(p, k)
    # a transparent key pins no SRS, so a verifier that demands one refuses it
    with pytest.raises(ModelMismatchError):
        folding.verify(pasta_proof, pasta, srs=srs)


def test_a_tampered_succinct_proof_is_rejected(succinct: tuple[CompiledModel, Proof]) -> None:
    model, proof = succinct
    data = bytearray(proof.data)
    for pos in (len(data) // 3, len(data) // 2, len(data) - 40):
        bad = bytearray(data)
        bad[pos] ^= 0x21
        forged = Proof(data=bytes(bad), model_commitment=proof.model_commitment,
                       input=proof.input, output=proof.output, output_scale=proof.output_scale)
        with pytest.raises((VerificationError, folding.errors.ArtefactError)):
            folding.verify(forged, model)


@FUZZ
@given(data=st.data())
def test_a_mutated_succinct_proof_or_key_is_a_typed_error_or_the_same_statement(
        data: st.DataObject, succinct: tuple[CompiledModel, Proof], cache: Path) -> None:
    """The bn254 readers (KZG points, compact keys, the secondary proof) under the fuzzing of
    ``test_fuzz_artefacts.py``; splices are of the file with itself (one proof is made)."""
    model, proof = succinct
    raw = mutate_artefact(data, Kind.PROOF, proof.to_bytes(), proof.to_bytes())
    outcomes = [outcome(lambda: folding.verify(raw, model.verifier_key))]
    key_raw = model.verifier_key.to_bytes()
    key = outcome(lambda: VerifierKey.from_bytes(
        mutate_artefact(data, Kind.VERIFIER_KEY, key_raw, key_raw)))
    if isinstance(key, VerifierKey):
        outcome(lambda: key.prepare(cache_dir=cache))
        outcomes.append(outcome(lambda: folding.verify(proof, key)))
    for verified in outcomes:
        if isinstance(verified, Verified):
            assert (verified.model_commitment, verified.input, verified.output) == \
                (proof.model_commitment, proof.input, proof.output)


def test_prove_finds_the_pinned_srs_when_parameters_are_not_cached(
        succinct: tuple[CompiledModel, Proof], srs: Srs, tmp_path: Path) -> None:
    model, _ = succinct
    fresh = tmp_path / "fresh-cache"
    # nothing cached and no SRS known: a clear error that names what to pass
    with pytest.raises(SrsError, match="SRS"):
        folding.prove(model, X, cache_dir=fresh)
    # an SRS the store remembers is found by the id the model pins
    SrsStore(fresh).remember(srs)
    proof = folding.prove(model, X, cache_dir=fresh)
    folding.verify(proof, model)
    shutil.rmtree(fresh)


def test_compile_without_an_srs_makes_a_local_one_once(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "cache"
    with caplog.at_level("WARNING", logger="folding.api"):
        a = folding.compile(ONNX, engine="bn254", layers_per_step=2, cache_dir=cache, **SMALL)
    assert "single-party" in caplog.text and "a new local" in caplog.text
    made = list((cache / "srs").glob("local-*.ptau"))
    assert len(made) == 1
    caplog.clear()
    with caplog.at_level("WARNING", logger="folding.api"):
        b = folding.compile(ONNX, engine="bn254", layers_per_step=2, cache_dir=cache, **SMALL)
    assert "the local" in caplog.text
    assert list((cache / "srs").glob("local-*.ptau")) == made
    assert a.verifier_key.srs_id == b.verifier_key.srs_id
    # a too-small SRS given by the caller is refused before any setup
    small = Srs.generate(tmp_path / "small.ptau", 10)
    with pytest.raises(SrsError, match="2\\^10"):
        folding.compile(ONNX, engine="bn254", srs=small, cache_dir=cache, **SMALL)


def _cli(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"FOLDING_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "folding", *args], check=False, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_cli_compiles_proves_and_verifies_with_bn254(srs: Srs, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (tmp_path / "m.onnx").write_bytes(ONNX)
    (tmp_path / "x.json").write_text(json.dumps(X.tolist()))
    r = _cli("srs", "info", srs.path, "--json", cwd=tmp_path, cache=cache)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["id"] == srs.id.hex()
    r = _cli("compile", "m.onnx", "-o", "m.fold", "--vk-out", "m.vk", "--engine", "bn254",
             "--srs", srs.path, "--layers-per-step", "2", "--act-bits", "8", "--weight-bits",
             "6", "--json", cwd=tmp_path, cache=cache)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)  # stdout is nothing but the JSON object
    assert summary["engine"] == "bn254" and summary["srs_id"] == srs.id.hex()
    assert summary["verifier_key_bytes"] < 4096
    r = _cli("prove", "m.fold", "--input", "x.json", "-o", "p.bin", "--json", cwd=tmp_path,
             cache=cache)
    assert r.returncode == 0, r.stderr
    r = _cli("verify", "p.bin", "--vk", "m.vk", "--srs", srs.path, "--json", cwd=tmp_path,
             cache=cache)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["valid"] and 0 < result["verify_s"] < 30
    other = Srs.generate(tmp_path / "other.ptau", 4)
    r = _cli("verify", "p.bin", "--vk", "m.vk", "--srs", other.path, "--json", cwd=tmp_path,
             cache=cache)
    assert r.returncode == 1 and "SRS" in json.loads(r.stdout)["reason"]
    r = _cli("srs", "new", "-o", "made.ptau", "--log-size", "4", "--json", cwd=tmp_path,
             cache=cache)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["log_size"] == 4
    r = _cli("srs", "new", "-o", "made.ptau", "--log-size", "4", cwd=tmp_path, cache=cache)
    assert r.returncode == 2 and "exists" in r.stderr
    r = _cli("compile", "m.onnx", "-o", "n.fold", "--srs", srs.path, cwd=tmp_path, cache=cache)
    assert r.returncode == 2 and "bn254" in r.stderr
