"""The import corpus (tests/models, written by tests/models/make_corpus.py from PyTorch's two
exporters and skl2onnx): every fixture imports and computes what onnxruntime computed on its
input, heads included; a fast subset is compiled, proven and verified through the CLI, and
the proven arg-max equals onnxruntime's (``benchmarks/corpus.py`` proves them all)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_support import run_cli

from folding.heads import apply_heads
from folding.onnx_import import load_onnx

CORPUS = Path(__file__).parent / "models"
FIXTURES = sorted(p.stem for p in CORPUS.glob("*.onnx"))
#: One of each kind, proven in CI: a CNN with batch norm, a residual block and ReduceMean
#: (the dynamo exporter's writing), a depthwise-separable CNN, and scikit-learn's label and
#: ZipMap outputs.
PROVEN = ("resnet_tiny_dynamo18", "separable_ts13", "sklearn_mlp_iris")


def _meta(name: str) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text())
    return meta


def test_the_corpus_spans_the_exporters_and_opsets() -> None:
    kinds, opsets = set(), set()
    for name in FIXTURES:
        words = _meta(name)["exporter"].split()  # "torch 2.15.0 dynamo opset 18"
        kinds.add(words[2] if words[0] == "torch" else words[0])
        opsets.add(int(words[-1]))
    assert len(FIXTURES) >= 40
    assert {"torchscript", "dynamo", "skl2onnx"} <= kinds
    assert min(opsets) <= 13 and max(opsets) >= 20


def _close(got: Any, want: Any) -> None:
    if isinstance(want, list) and want and isinstance(want[0], dict):
        assert [list(d) for d in got] == [[str(k) for k in d] for d in want] or \
            [[str(k) for k in d] for d in got] == [list(d) for d in want]
        np.testing.assert_allclose([list(d.values()) for d in got],
                                   [list(d.values()) for d in want], rtol=1e-4, atol=1e-5)
        return
    want_array = np.asarray(want)
    if want_array.dtype.kind in "OUS" or (want_array.dtype.kind in "iu"):
        assert [str(v) for v in np.asarray(got).reshape(-1)] == \
            [str(v) for v in want_array.reshape(-1)]
        return
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64).reshape(-1),
                               want_array.reshape(-1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_imports_and_matches_onnxruntime(name: str) -> None:
    meta = _meta(name)
    model = load_onnx((CORPUS / f"{name}.onnx").read_bytes())
    logits = model.forward(np.asarray(meta["input"], dtype=np.float64).reshape(-1))
    outputs = meta["outputs"]
    if model.heads:
        got = apply_heads(model.heads, logits)
        assert set(got) <= set(outputs)
        for output, value in got.items():
            _close(value, outputs[output])
    for output, value in outputs.items():  # the logits themselves, when an output
        if output == model.output_name:
            _close(logits, value)
    if not model.heads:
        (only,) = outputs.values()
        _close(logits, only)
    assert int(np.argmax(logits)) == meta["argmax"]


@pytest.mark.parametrize("name", PROVEN)
def test_a_subset_proves_and_verifies_with_onnxruntimes_answer(name: str,
                                                               tmp_path: Path) -> None:
    meta = _meta(name)
    calibration, x = tmp_path / "calibration.npy", tmp_path / "input.json"
    np.save(calibration, np.asarray(meta["calibration"], dtype=np.float32))
    x.write_text(json.dumps({"input_data": meta["input"]}))
    fold, vk, proof = tmp_path / "m.fold", tmp_path / "m.vk", tmp_path / "p.bin"
    cache = tmp_path / "cache"
    compiled = run_cli("compile", CORPUS / f"{name}.onnx", "-o", fold, "--vk-out", vk,
                       "--calibration", calibration, "--cache-dir", cache, "--json")
    assert compiled.code == 0, compiled.err
    proved = run_cli("prove", fold, "--input", x, "-o", proof, "--cache-dir", cache, "--json")
    assert proved.code == 0, proved.err
    verified = run_cli("verify", proof, "--vk", vk, "--json")
    assert verified.code == 0, verified.err
    result = verified.json()
    assert result["valid"] and int(np.argmax(result["logits"])) == meta["argmax"]
    if "outputs" in result:  # the heads, from the verified logits
        label = result["outputs"].get("output_label")
        if label is not None:
            assert [str(v) for v in label] == [str(v) for v in meta["outputs"]["output_label"]]
