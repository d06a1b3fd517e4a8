"""Convolutional networks end to end: compile, prove and verify through the Python API and the
CLI, in both weight modes, with residual blocks and pooling, and the fidelity of a LeNet-5
trained here on scikit-learn's digits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from folding import api
from folding.errors import ArtefactError, ModelMismatchError, VerificationError
from folding.onnx_import import load_onnx
from folding.quantize import quantize
from folding.reference import predict_int
from folding.testing.cnn import CnnBuilder, lenet5_onnx, zator_onnx

RNG = np.random.default_rng(3)


def _tiny_cnn(seed: int = 4) -> bytes:
    """conv + residual block + max pool + strided conv + average pool + dense, on 2x8x8."""
    b = CnnBuilder((2, 8, 8), seed=seed)
    b.conv(3, 3, batch_norm=True)
    b.residual_block()
    b.max_pool(2)
    b.conv(4, 3, stride=2, pad=1)
    b.avg_pool(2)
    b.flatten()
    b.dense(3, relu=False)
    return b.to_onnx()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("params")


@pytest.mark.parametrize("private", [False, True])
def test_tiny_cnn_proves_and_verifies(private: bool, cache: Path) -> None:
    data = _tiny_cnn()
    model = api.compile(data, calibration=RNG.standard_normal((32, 128)), act_bits=10,
                        private_weights=private, cache_dir=cache)
    kinds = [slot[5] for seg in model.plan() for slot in seg["slots"]]
    assert {"conv", "maxpool", "avgpool", "dense"} <= set(kinds)
    x = RNG.standard_normal(128)
    proof = api.prove(model, x, cache_dir=cache)
    expected = predict_int(model.quantized, model.quantized.quantize_input(x))
    assert list(proof.output) == list(expected)
    assert api.verify(proof, model.verifier_key)
    # another output, flipped bytes and another model's key are refused
    with pytest.raises(VerificationError, match="expected output"):
        api.verify(proof, model, expected_output=[v + 1 for v in proof.output])
    blob = bytearray(proof.to_bytes())
    blob[len(blob) // 2] ^= 0x10
    with pytest.raises((VerificationError, ArtefactError)):
        api.verify(api.Proof.from_bytes(bytes(blob)), model)
    other = api.compile(_tiny_cnn(seed=5), calibration=RNG.standard_normal((32, 128)),
                        act_bits=10, private_weights=private, cache_dir=cache)
    with pytest.raises(ModelMismatchError):
        api.verify(proof, other)


def test_a_deep_run_of_equal_convolutions_is_one_segment(cache: Path) -> None:
    data = zator_onnx(depth=10, size=6)
    # One layer per step (the planner would fuse layers this small): the eight equal
    # convolutions are one segment whose kernels are selected by step.
    model = api.compile(data, calibration=RNG.standard_normal((16, 36)), act_bits=12,
                        layers_per_step=1, cache_dir=cache)
    plan = model.plan()
    assert [seg["num_steps"] for seg in plan] == [1, 8, 1], plan
    x = RNG.standard_normal(36)
    proof = api.prove(model, x, cache_dir=cache)
    assert api.verify(proof, model.verifier_key)
    q = model.quantized
    assert list(proof.output) == list(predict_int(q, q.quantize_input(x)))


def _cli(*args: str, cwd: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "folding", *args, "--json"], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_cli_inspects_plans_proves_and_verifies_a_cnn(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "cnn.onnx").write_bytes(_tiny_cnn())
    report = _cli("inspect", "cnn.onnx", "--act-bits", "10", cwd=tmp_path)
    assert report["loadable"]
    assert [layer["kind"] for layer in report["layers"]] == [
        "conv", "conv", "conv", "maxpool", "conv", "avgpool", "dense"]
    assert report["layers"][2]["skip_from"] == 1
    assert report["plan"]["steps"] >= 1 and report["plan"]["plan"][0]["slots"][0][5] == "conv"
    text = subprocess.run([sys.executable, "-m", "folding", "inspect", "cnn.onnx"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, check=True).stdout
    assert "plan:" in text and "constraints/step" in text and "maxpool" in text
    np.save(tmp_path / "x.npy", RNG.standard_normal(128))
    _cli("compile", "cnn.onnx", "-o", "cnn.fold", "--act-bits", "10", "--cache-dir",
         str(cache), cwd=tmp_path)
    _cli("prove", "cnn.fold", "--input", "x.npy", "-o", "cnn.proof", "--cache-dir", str(cache),
         "--no-progress", cwd=tmp_path)
    verdict = _cli("verify", "cnn.proof", "--model", "cnn.fold", cwd=tmp_path)
    assert verdict["valid"]


@pytest.mark.slow
def test_lenet5_trained_on_digits_keeps_its_accuracy_when_quantized() -> None:
    pytest.importorskip("sklearn")
    from folding.testing.train import digits_28x28, train_lenet5

    x, y = digits_28x28()
    order = np.random.default_rng(0).permutation(len(x))
    train, held_out = order[:1400], order[1400:]
    weights = train_lenet5(x[train], y[train], epochs=4, seed=1)
    model = load_onnx(lenet5_onnx(weights=weights.arrays))
    floats = model.forward(x[held_out])
    q = quantize(model, x[train][:64])
    ints = q.dequantize_output(predict_int(q, q.quantize_input(x[held_out])))
    float_acc = float((floats.argmax(axis=1) == y[held_out]).mean())
    int_acc = float((ints.argmax(axis=1) == y[held_out]).mean())
    agreement = float((ints.argmax(axis=1) == floats.argmax(axis=1)).mean())
    print(f"LeNet-5 on digits: float {float_acc:.3f}, quantized {int_acc:.3f}, "
          f"top-1 agreement {agreement:.3f} ({len(held_out)} held-out images)")
    assert float_acc >= 0.85
    assert int_acc >= float_acc - 0.02
    assert agreement >= 0.97
