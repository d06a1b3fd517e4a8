"""Tests of the ``folding`` command line (:mod:`folding.cli`), run in-process.

A module-scoped fixture compiles one small model and proves one input once; the tests reuse
those files. The whole module runs two real proofs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from cli_support import Run, run_cli
from onnx import TensorProto, helper, numpy_helper

from folding import __version__
from folding.cli import main
from folding.testing import mlp_onnx

SMALL = ["--act-bits", "8", "--weight-bits", "6"]
X = [0.1, 0.2, -0.3, 0.5]




def sigmoid_onnx() -> bytes:
    """``Gemm`` (named ``fc0``), an unsupported ``Sigmoid`` node named ``squash`` inside the
    network (as the last op it would be an output head), then ``Gemm`` ``fc1``."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((3, 4)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.standard_normal((3, 3)).astype(np.float32), "w1"),
             numpy_helper.from_array(np.zeros(3, np.float32), "b")]
    nodes = [helper.make_node("Gemm", ["input", "w", "b"], ["h"], name="fc0", transB=1),
             helper.make_node("Sigmoid", ["h"], ["s"], name="squash"),
             helper.make_node("Gemm", ["s", "w1", "b"], ["output"], name="fc1", transB=1)]
    graph = helper.make_graph(
        nodes, "sig", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              ir_version=8)
    return bytes(model.SerializeToString())


@dataclass(frozen=True)
class Files:
    """The artefacts made once for the module."""

    dir: Path
    cache: Path
    onnx: Path
    fold: Path
    vk: Path
    input: Path
    proof: Path
    compile_run: Run
    prove_run: Run


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    root = tmp_path_factory.mktemp("cli")
    cache = root / "cache"
    model, fold, vk = root / "m.onnx", root / "m.fold", root / "m.vk"
    model.write_bytes(mlp_onnx([4, 6, 3], seed=1, head="Softmax"))
    x = root / "x.json"
    x.write_text(json.dumps(X))
    compiled = run_cli("compile", model, "-o", fold, "--vk-out", vk, "--cache-dir", cache,
                       *SMALL)
    assert compiled.code == 0, compiled.err
    proof = root / "m.proof"
    proved = run_cli("prove", fold, "--input", x, "-o", proof, "--cache-dir", cache, "--json")
    assert proved.code == 0, proved.err
    return Files(root, cache, model, fold, vk, x, proof, compiled, proved)


# --------------------------------------------------------------------------------------------
# inspect
# --------------------------------------------------------------------------------------------


def test_inspect_good_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(mlp_onnx([4, 6, 3], seed=1))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "fc0" in out and "layers (2)" in out and "loadable" in out


def test_inspect_unsupported_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sig.onnx"
    path.write_bytes(sigmoid_onnx())
    assert main(["inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert "squash" in out and "Sigmoid" in out and "NOT loadable" in out


def test_inspect_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sig.onnx"
    path.write_bytes(sigmoid_onnx())
    assert main(["inspect", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["loadable"] is False
    assert report["unsupported_ops"] == ["Sigmoid"]
    assert any(n["name"] == "squash" and n["status"] == "unsupported" for n in report["nodes"])


def test_inspect_missing_and_garbage_files(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(tmp_path / "nope.onnx")]) == 2
    assert "no such file" in capsys.readouterr().err
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\xff\x00 not a protobuf \x12\x99")
    assert main(["inspect", str(garbage)]) == 2
    assert capsys.readouterr().err.startswith("error:")


# --------------------------------------------------------------------------------------------
# compile
# --------------------------------------------------------------------------------------------


def test_compile_writes_model_and_prints_commitment(files: Files) -> None:
    assert files.fold.stat().st_size > 0 and files.vk.stat().st_size > 0
    out = files.compile_run.out
    assert "commitment:" in out and "plan:" in out and "quantization:" in out
    commitment = out.split("commitment:")[-1].split()[0]
    assert len(commitment) == 64
    assert commitment == files.prove_run.json()["commitment"]


def test_compile_unsupported_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sig.onnx"
    path.write_bytes(sigmoid_onnx())
    assert main(["compile", str(path), "-o", str(tmp_path / "sig.fold"), *SMALL]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error:")
    assert "squash" in captured.err and "Sigmoid" in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "sig.fold").exists()


def test_compile_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(tmp_path / "nope.onnx"), "-o", str(tmp_path / "x.fold")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_compile_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(mlp_onnx([4, 3], seed=0))
    assert main(["compile", str(path)]) == 2  # no -o
    assert main(["compile", str(path), "-o", "x.fold", "--layers-per-step", "0"]) == 2
    assert "usage:" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# prove
# --------------------------------------------------------------------------------------------


def test_prove_json(files: Files) -> None:
    result = files.prove_run.json()
    assert files.proof.stat().st_size == result["proof_bytes"] > 0
    assert len(result["output"]) == 3 and all(isinstance(v, int) for v in result["output"])
    assert len(result["logits"]) == 3
    assert len(result["commitment"]) == 64
    assert result["prove_s"] > 0 and "compress_s" in result
    assert files.prove_run.err == ""  # no progress bar with --json
    # the model's Softmax head, applied to the proven logits
    logits = np.asarray(result["logits"])
    softmax = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(result["outputs"]["output"], softmax, rtol=1e-12)


def test_prove_text_npy_input_and_progress(files: Files) -> None:
    x = files.dir / "x.npy"
    np.save(x, np.asarray([X], dtype=np.float32))  # a batch of one is accepted
    proof = files.dir / "again.proof"
    run = run_cli("prove", files.fold, "--input", x, "-o", proof, "--cache-dir", files.cache)
    assert run.code == 0, run.err
    assert "output: " + str(files.prove_run.json()["output"]) in run.out
    assert "logits:" in run.out and "prove time:" in run.out and "bytes)" in run.out
    assert "output (from the logits): [" in run.out
    assert "segment 1/1" in run.err and "steps/s" in run.err  # progress on stderr
    assert proof.stat().st_size > 0


def test_prove_reads_ezkl_style_input_json(files: Files) -> None:
    x = files.dir / "input.json"
    x.write_text(json.dumps({"input_data": [list(X)]}))  # EZKL's layout: one sample per input
    run = run_cli("prove", files.fold, "--input", x, "-o", files.dir / "ezkl.proof",
                  "--cache-dir", files.cache, "--json")
    assert run.code == 0, run.err
    assert run.json()["output"] == files.prove_run.json()["output"]


def test_prove_wrong_input_length(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    bad = files.dir / "short.json"
    bad.write_text(json.dumps({"input": [0.1, 0.2, 0.3]}))
    code = main(["prove", str(files.fold), "--input", str(bad), "-o", str(files.dir / "bad.proof"),
                 "--cache-dir", str(files.cache)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    assert not (files.dir / "bad.proof").exists()


def test_prove_non_numeric_input(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    bad = files.dir / "words.json"
    bad.write_text(json.dumps({"input": ["a", "b", "c", "d"]}))
    assert main(["prove", str(files.fold), "--input", str(bad), "-o", "p"]) == 1
    assert "list of numbers" in capsys.readouterr().err


def test_prove_corrupt_model(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    bad = files.dir / "bad.fold"
    bad.write_bytes(b"not a model")
    assert main(["prove", str(bad), "--input", str(files.input), "-o", "p"]) == 2
    assert capsys.readouterr().err.startswith("error: compiled model")


# --------------------------------------------------------------------------------------------
# verify
# --------------------------------------------------------------------------------------------


def test_verify_with_model(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(files.proof), "--model", str(files.fold)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID")
    assert files.prove_run.json()["commitment"] in out and "verify time:" in out


def test_verify_with_vk_json(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(files.proof), "--vk", str(files.vk), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["valid"] is True and result["reason"] is None
    assert result["output"] == files.prove_run.json()["output"]
    # the key alone carries the head: the verifier applies it to the proven logits
    assert result["outputs"] == files.prove_run.json()["outputs"]


def test_verify_flipped_byte(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray(files.proof.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad = files.dir / "flipped.proof"
    bad.write_bytes(bytes(data))
    assert main(["verify", str(bad), "--vk", str(files.vk)]) == 1
    assert capsys.readouterr().out.startswith("INVALID: ")


def test_verify_truncated(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    bad = files.dir / "truncated.proof"
    bad.write_bytes(files.proof.read_bytes()[:-100])
    assert main(["verify", str(bad), "--vk", str(files.vk), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["valid"] is False and result["reason"]


def test_verify_other_model(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    other_onnx, other = files.dir / "other.onnx", files.dir / "other.fold"
    other_onnx.write_bytes(mlp_onnx([4, 6, 3], seed=2))
    assert run_cli("compile", other_onnx, "-o", other, "--cache-dir", files.cache,
                   *SMALL).code == 0
    assert main(["verify", str(files.proof), "--model", str(other)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("INVALID: ") and "model" in out


def test_verify_expected_output(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    # The prove --json output holds "output", so it can be fed back as the expectation.
    claim = files.dir / "claim.json"
    claim.write_text(files.prove_run.out)
    assert main(["verify", str(files.proof), "--vk", str(files.vk),
                 "--expected-output", str(claim)]) == 0
    wrong = files.dir / "wrong.json"
    wrong.write_text(json.dumps([v + 1 for v in files.prove_run.json()["output"]]))
    capsys.readouterr()
    assert main(["verify", str(files.proof), "--vk", str(files.vk),
                 "--expected-output", str(wrong)]) == 1
    assert "expected output" in capsys.readouterr().out


def test_verify_usage_errors(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(files.dir / "nope.proof"), "--vk", str(files.vk)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["verify", str(files.proof), "--vk", str(files.dir / "nope.vk")]) == 2
    assert main(["verify", str(files.proof)]) == 2  # neither --model nor --vk
    words = files.dir / "words_out.json"
    words.write_text(json.dumps({"output": ["a"]}))
    assert main(["verify", str(files.proof), "--vk", str(files.vk),
                 "--expected-output", str(words)]) == 2
    corrupt = files.dir / "corrupt.vk"
    corrupt.write_bytes(files.vk.read_bytes()[:50])
    capsys.readouterr()
    assert main(["verify", str(files.proof), "--vk", str(corrupt)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: verifier key") and "Traceback" not in err


# --------------------------------------------------------------------------------------------
# global
# --------------------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_python_m_folding_help() -> None:
    done = subprocess.run([sys.executable, "-m", "folding", "--help"], capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0
    for command in ("inspect", "compile", "prove", "verify"):
        assert command in done.stdout


def test_onnx_helper_model_is_valid() -> None:
    onnx.checker.check_model(onnx.load_from_string(sigmoid_onnx()))
