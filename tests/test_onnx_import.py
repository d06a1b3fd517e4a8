"""ONNX import: supported operators, fusion, structure checks, limits and external data."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from folding import onnx_import
from folding.errors import ModelImportError, UnsupportedOperatorError
from folding.onnx_import import SUPPORTED_OPS, inspect_onnx, load_onnx
from folding.testing import mlp_onnx

RNG = np.random.default_rng(1234)


def _tensor(name: str, array: Any) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(array), name)


def _model(nodes: Sequence[onnx.NodeProto], initializers: Sequence[onnx.TensorProto],
           input_shape: Sequence[int | str | None] | None, output_width: int | None = None, *,
           opset: int = 17, inputs: Sequence[onnx.ValueInfoProto] | None = None,
           input_type: int = TensorProto.FLOAT) -> onnx.ModelProto:
    """A graph from input ``x`` to output ``y``."""
    if inputs is None:
        inputs = [helper.make_tensor_value_info("x", input_type, input_shape)]
    out_shape = [1, output_width]  # None: an unknown width
    graph = helper.make_graph(
        list(nodes), "g", list(inputs),
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8)


def _bytes(model: onnx.ModelProto) -> bytes:
    return bytes(model.SerializeToString())


def _gemm_model(weight: np.ndarray, bias: np.ndarray | None = None, **attrs: Any) -> bytes:
    """One Gemm ``y = x @ B' + C`` with the weight stored as given."""
    inits = [_tensor("W", weight.astype(np.float32))]
    inputs = ["x", "W"]
    if bias is not None:
        inits.append(_tensor("b", bias.astype(np.float32)))
        inputs.append("b")
    in_dim = weight.shape[1] if attrs.get("transB") else weight.shape[0]
    return _bytes(_model([helper.make_node("Gemm", inputs, ["y"], name="gemm", **attrs)],
                         inits, [1, in_dim]))


# --- supported operators -------------------------------------------------------------------


@pytest.mark.parametrize("trans_b", [0, 1])
def test_gemm_trans_b_alpha_beta(trans_b: int) -> None:
    w = RNG.standard_normal((3, 5)).astype(np.float32)  # [in=3, out=5] for transB=0
    b = RNG.standard_normal(5).astype(np.float32)
    stored = w.T if trans_b else w
    model = load_onnx(_gemm_model(stored, b, transB=trans_b, alpha=0.5, beta=2.0))
    (layer,) = model.layers
    assert layer.weight.shape == (5, 3) and not layer.relu and layer.name == "gemm"
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(model.forward(x), 0.5 * x @ w + 2.0 * b, rtol=1e-6)
    assert model.input_dim == 3 and model.output_dim == 5 and model.opset == 17


@pytest.mark.parametrize("c_shape", [(), (1,), (4,), (1, 4)])
def test_gemm_bias_broadcasts(c_shape: tuple[int, ...]) -> None:
    w = RNG.standard_normal((2, 4))
    c = RNG.standard_normal(c_shape)
    model = load_onnx(_gemm_model(w, c))
    np.testing.assert_allclose(model.layers[0].bias, np.broadcast_to(c, (1, 4))[0], rtol=1e-6)


def test_gemm_without_bias_and_bad_bias() -> None:
    model = load_onnx(_gemm_model(RNG.standard_normal((2, 4))))
    np.testing.assert_array_equal(model.layers[0].bias, np.zeros(4))
    with pytest.raises(ModelImportError, match="does not broadcast") as info:
        load_onnx(_gemm_model(RNG.standard_normal((2, 4)), RNG.standard_normal(3)))
    assert info.value.node == "gemm"


def test_gemm_trans_a_of_a_row_is_refused_naming_the_node() -> None:
    # transA=1 transposes a column [K, 1] into the row it multiplies; a row [1, K] is not one.
    with pytest.raises(ModelImportError, match="transA=1") as info:
        load_onnx(_gemm_model(RNG.standard_normal((2, 4)), transA=1))
    assert info.value.node == "gemm"


def test_matmul_add_fuses_into_one_layer_and_matches_gemm() -> None:
    gemm = load_onnx(mlp_onnx([6, 5, 4], seed=3, style="gemm"))
    fused = load_onnx(mlp_onnx([6, 5, 4], seed=3, style="matmul_add"))
    assert [la.relu for la in fused.layers] == [True, False]
    assert [la.name for la in fused.layers] == ["fc0", "fc1"]
    x = RNG.standard_normal((7, 6))
    np.testing.assert_allclose(fused.forward(x), gemm.forward(x), rtol=1e-12)


def test_matmul_alone_and_add_with_constant_first() -> None:
    w = RNG.standard_normal((3, 2)).astype(np.float32)
    b = RNG.standard_normal(2).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
             helper.make_node("Add", ["b", "h"], ["y"], name="add")]
    model = load_onnx(_bytes(_model(nodes, [_tensor("W", w), _tensor("b", b)], [1, 3])))
    np.testing.assert_allclose(model.layers[0].bias, b)
    alone = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    bare = load_onnx(_bytes(_model(alone, [_tensor("W", w)], [1, 3])))
    np.testing.assert_array_equal(bare.layers[0].bias, np.zeros(2))


def test_relu_is_fused_into_the_layer_it_follows() -> None:
    model = load_onnx(mlp_onnx([4, 3, 2], relu_last=True))
    assert [la.relu for la in model.layers] == [True, True]
    x = RNG.standard_normal(4)
    assert (model.forward(x) >= 0).all()


def test_shape_ops_and_dropout_are_no_ops() -> None:
    w = RNG.standard_normal((4, 3)).astype(np.float32)
    inits = [_tensor("W", w), _tensor("s1", np.array([4], np.int64)),
             _tensor("s2", np.array([1, -1], np.int64)),
             _tensor("s3", np.array([1, 1, 2, 2], np.int64))]
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], name="flat", axis=1),       # [1,1,2,2]->[1,4]
        helper.make_node("Reshape", ["f", "s1"], ["r1"], name="to_vec"),      # [4]
        helper.make_node("Identity", ["r1"], ["i"], name="ident"),
        helper.make_node("Reshape", ["i", "s2"], ["r2"], name="to_row"),      # [1, 4]
        helper.make_node("Dropout", ["r2"], ["d", "mask"], name="drop"),      # mask unused
        helper.make_node("Reshape", ["d", "s3"], ["r3"], name="to_image"),    # [1,1,2,2]
        helper.make_node("Flatten", ["r3"], ["r4"], name="flat2"),            # [1, 4]
        helper.make_node("MatMul", ["r4", "W"], ["y"], name="mm"),
    ]
    model = load_onnx(_bytes(_model(nodes, inits, [1, 1, 2, 2])))
    assert model.input_dim == 4 and len(model.layers) == 1
    report = inspect_onnx(_bytes(_model(nodes, inits, [1, 1, 2, 2])))
    assert [n.status for n in report.nodes] == ["no-op"] * 7 + ["supported"]


def test_dropout_in_training_mode_is_refused() -> None:
    w = RNG.standard_normal((2, 2)).astype(np.float32)
    inits = [_tensor("W", w), _tensor("ratio", np.array(0.5, np.float32)),
             _tensor("train", np.array(True))]
    nodes = [helper.make_node("Dropout", ["x", "ratio", "train"], ["d"], name="drop"),
             helper.make_node("MatMul", ["d", "W"], ["y"], name="mm")]
    with pytest.raises(ModelImportError, match="training_mode") as info:
        load_onnx(_bytes(_model(nodes, inits, [1, 2])))
    assert info.value.node == "drop"


def test_constant_nodes_and_identity_of_initializers() -> None:
    w = RNG.standard_normal((2, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Constant", [], ["Wc"], value=_tensor("v", w)),
        helper.make_node("Identity", ["Wc"], ["W"]),
        helper.make_node("Constant", [], ["b"], value_floats=[1.0, 2.0, 3.0]),
        helper.make_node("MatMul", ["x", "W"], ["h"]),
        helper.make_node("Add", ["h", "b"], ["y"]),
    ]
    model = load_onnx(_bytes(_model(nodes, [], [1, 2])))
    (layer,) = model.layers
    np.testing.assert_allclose(layer.weight, w.T)
    np.testing.assert_allclose(layer.bias, [1.0, 2.0, 3.0])
    assert layer.name == "node3_MatMul"  # generated from the index and op when unnamed


@pytest.mark.parametrize("batch_dim", [1, "N", None])
def test_batch_dimension_may_be_one_symbolic_or_absent(batch_dim: int | str | None) -> None:
    model = load_onnx(mlp_onnx([5, 3, 2], batch_dim=batch_dim))
    assert model.input_dim == 5 and model.output_dim == 2
    assert model.input_name == "input" and model.output_name == "output"


def test_batch_dimension_above_one_is_refused() -> None:
    with pytest.raises(ModelImportError, match="batch dimension is 4") as info:
        load_onnx(mlp_onnx([5, 3], batch_dim=4))
    assert info.value.node == "input"


# --- errors ---------------------------------------------------------------------------------


def test_unsupported_operator_names_node_op_and_supported_ops() -> None:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    # A Sigmoid inside the network (as the last op it would be an output head).
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
             helper.make_node("Sigmoid", ["h"], ["s"], name="squash"),
             helper.make_node("MatMul", ["s", "W"], ["y"], name="mm2")]
    with pytest.raises(UnsupportedOperatorError) as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3])))
    error = info.value
    assert error.node == "squash" and error.op_type == "Sigmoid"
    assert error.supported == SUPPORTED_OPS and "Gemm" in error.supported
    assert "squash" in str(error) and "Sigmoid" in str(error) and "MatMul" in str(error)


def test_custom_domain_operator_is_unsupported() -> None:
    node = helper.make_node("FusedDense", ["x"], ["y"], name="custom", domain="com.example")
    model = _model([node], [], [1, 3])
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    with pytest.raises(UnsupportedOperatorError) as info:
        load_onnx(_bytes(model))
    assert info.value.op_type == "com.example.FusedDense" and info.value.node == "custom"


@pytest.mark.parametrize("nodes, culprit", [
    ([helper.make_node("Relu", ["x"], ["r"], name="early_relu"),
      helper.make_node("MatMul", ["r", "W"], ["y"], name="mm")], "early_relu"),
    ([helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
      helper.make_node("Relu", ["h"], ["r"], name="relu1"),
      helper.make_node("Relu", ["r"], ["y"], name="relu2")], "relu2"),
])
def test_relu_not_after_a_dense_layer_names_the_node(nodes: list[onnx.NodeProto],
                                                     culprit: str) -> None:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    with pytest.raises(ModelImportError, match="Relu: must directly follow") as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3])))
    assert info.value.node == culprit


def test_add_after_relu_is_refused() -> None:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Add", ["r", "b"], ["y"], name="late_bias")]
    with pytest.raises(ModelImportError, match="must directly follow") as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w), _tensor("b", np.ones(3, np.float32))],
                                [1, 3])))
    assert info.value.node == "late_bias"


def test_branchy_graph_is_refused() -> None:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["a"], name="left"),
             helper.make_node("MatMul", ["x", "W"], ["b"], name="right"),
             helper.make_node("Add", ["a", "b"], ["y"], name="join")]
    with pytest.raises(ModelImportError, match="single chain") as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3])))
    assert info.value.node == "right" and "branches" in str(info.value)


def test_residual_add_on_a_dense_layer_is_refused() -> None:
    # Residual connections are supported after convolutions (tests/test_onnx_conv.py).
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["a"], name="mm"),
             helper.make_node("Add", ["a", "x"], ["y"], name="skip")]
    with pytest.raises(ModelImportError, match="must directly follow a Conv") as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3])))
    assert info.value.node == "skip"


def test_dangling_node_is_refused() -> None:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm"),
             helper.make_node("Relu", ["y"], ["unused"], name="dangling")]
    with pytest.raises(ModelImportError) as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3])))
    assert info.value.node == "dangling"


def test_two_inputs_are_refused() -> None:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3]) for n in "xz"]
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    with pytest.raises(ModelImportError, match="exactly one input"):
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], None, inputs=inputs)))


@pytest.mark.parametrize("opset", [6, 24])
def test_opset_outside_7_to_23_is_refused(opset: int) -> None:
    model = onnx.ModelProto()
    model.ParseFromString(mlp_onnx([3, 2]))
    model.opset_import[0].version = opset
    with pytest.raises(ModelImportError, match=f"opset {opset} is not supported"):
        load_onnx(_bytes(model))


def test_missing_default_opset_is_refused() -> None:
    model = onnx.ModelProto()
    model.ParseFromString(mlp_onnx([3, 2]))
    model.opset_import[0].domain = "com.example"
    with pytest.raises(ModelImportError, match="no opset for the default"):
        load_onnx(_bytes(model))


@pytest.mark.parametrize("data", [b"", b"\x00", b"not an onnx model at all", bytes(range(256)),
                                  b"\xff" * 64])
def test_malformed_bytes_raise_model_import_error(data: bytes) -> None:
    with pytest.raises(ModelImportError):
        load_onnx(data)
    with pytest.raises(ModelImportError):
        inspect_onnx(data)


def test_every_truncation_raises_model_import_error() -> None:
    data = mlp_onnx([3, 4, 2])
    for cut in range(len(data)):
        with pytest.raises(ModelImportError):
            load_onnx(data[:cut])


def test_non_bytes_input_is_refused() -> None:
    with pytest.raises(ModelImportError, match="bytes"):
        load_onnx("model.onnx")  # type: ignore[arg-type]


def test_shape_mismatch_between_layers_names_the_node() -> None:
    inits = [_tensor("W1", RNG.standard_normal((3, 8)).astype(np.float32)),
             _tensor("W2", RNG.standard_normal((6, 2)).astype(np.float32))]
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="first"),
             helper.make_node("MatMul", ["h", "W2"], ["y"], name="second")]
    with pytest.raises(ModelImportError, match="expects 6 inputs .* width 8") as info:
        load_onnx(_bytes(_model(nodes, inits, [1, 3])))
    assert info.value.node == "second"


def test_declared_output_width_must_match() -> None:
    w = RNG.standard_normal((3, 2)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    with pytest.raises(ModelImportError, match="declares width 5"):
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3], output_width=5)))


def test_dense_on_a_non_vector_is_refused() -> None:
    w = RNG.standard_normal((2, 3)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    with pytest.raises(ModelImportError, match="not a vector") as info:
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 4, 2])))
    assert info.value.node == "mm"


@pytest.mark.parametrize("where, value", [("weight", np.nan), ("bias", np.inf),
                                          ("weight", -np.inf)])
def test_non_finite_weights_are_refused(where: str, value: float) -> None:
    w = RNG.standard_normal((2, 3))
    b = RNG.standard_normal(3)
    (w if where == "weight" else b)[0, ...] = value
    with pytest.raises(ModelImportError, match="NaN or infinity") as info:
        load_onnx(_gemm_model(w, b))
    assert info.value.node == "gemm"


def test_integer_input_type_is_refused() -> None:
    w = RNG.standard_normal((3, 2)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    with pytest.raises(ModelImportError, match="not a float type"):
        load_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3], input_type=TensorProto.INT64)))


def test_parameter_and_width_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = mlp_onnx([8, 8, 4])  # 72 + 36 parameters
    monkeypatch.setattr(onnx_import, "MAX_PARAMETERS", 100)
    with pytest.raises(ModelImportError, match="exceeds 100 parameters") as info:
        load_onnx(data)
    assert info.value.node == "fc1"
    monkeypatch.setattr(onnx_import, "MAX_PARAMETERS", 1000)
    monkeypatch.setattr(onnx_import, "MAX_WIDTH", 6)
    with pytest.raises(ModelImportError, match="limit 6"):
        load_onnx(data)


def test_model_without_dense_layers_is_refused() -> None:
    nodes = [helper.make_node("Identity", ["x"], ["y"], name="ident")]
    with pytest.raises(ModelImportError, match="no Gemm, MatMul or Conv"):
        load_onnx(_bytes(_model(nodes, [], [1, 3])))


# --- external data --------------------------------------------------------------------------


def _save_external(directory: Path, location: str = "weights.bin") -> Path:
    model = onnx.ModelProto()
    model.ParseFromString(mlp_onnx([4, 3, 2], seed=9))
    path = directory / "model.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=location, size_threshold=0)
    return path


def _relocate(data: bytes, location: str) -> bytes:
    model = onnx.ModelProto()
    model.ParseFromString(data)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    return _bytes(model)


def test_external_data_beside_the_model_loads(tmp_path: Path) -> None:
    path = _save_external(tmp_path)
    external = load_onnx(path.read_bytes(), base_dir=tmp_path)
    inline = load_onnx(mlp_onnx([4, 3, 2], seed=9))
    x = RNG.standard_normal(4)
    np.testing.assert_array_equal(external.forward(x), inline.forward(x))
    assert load_onnx(path.read_bytes(), base_dir=str(tmp_path)).num_parameters == 23


def test_external_data_without_base_dir_is_refused(tmp_path: Path) -> None:
    data = _save_external(tmp_path).read_bytes()
    with pytest.raises(ModelImportError, match="no base directory") as info:
        load_onnx(data)
    assert info.value.node == "fc0.weight"


@pytest.mark.parametrize("location", ["../weights.bin", "/etc/passwd", "sub/weights.bin",
                                      "sub\\weights.bin", "..", ""])
def test_external_data_outside_base_dir_is_refused(tmp_path: Path, location: str) -> None:
    (tmp_path / "sub").mkdir()
    data = _save_external(tmp_path / "sub").read_bytes()
    (tmp_path / "weights.bin").write_bytes((tmp_path / "sub" / "weights.bin").read_bytes())
    with pytest.raises(ModelImportError, match="plain file name") as info:
        load_onnx(_relocate(data, location), base_dir=tmp_path / "sub")
    assert info.value.node == "fc0.weight"


def test_external_data_symlink_leaving_base_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    data = _save_external(tmp_path / "model").read_bytes()
    os.replace(tmp_path / "model" / "weights.bin", tmp_path / "secret.bin")
    os.symlink(tmp_path / "secret.bin", tmp_path / "model" / "weights.bin")
    with pytest.raises(ModelImportError, match="does not exist in"):
        load_onnx(data, base_dir=tmp_path / "model")


def test_external_data_missing_or_short_file_is_refused(tmp_path: Path) -> None:
    data = _save_external(tmp_path).read_bytes()
    with pytest.raises(ModelImportError, match="does not exist"):
        load_onnx(_relocate(data, "other.bin"), base_dir=tmp_path)
    (tmp_path / "weights.bin").write_bytes(b"\x00" * 10)
    with pytest.raises(ModelImportError, match="holds only"):
        load_onnx(data, base_dir=tmp_path)


# --- inspect --------------------------------------------------------------------------------


def test_inspect_lists_unsupported_nodes_without_raising() -> None:
    w = RNG.standard_normal((3, 4)).astype(np.float32)
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"], name="squash"),
             helper.make_node("MatMul", ["s", "W"], ["h"], name="mm"),
             helper.make_node("Tanh", ["h"], ["y"], name="probs")]
    report = inspect_onnx(_bytes(_model(nodes, [_tensor("W", w)], [1, 3])))
    assert [(n.name, n.op_type, n.status) for n in report.nodes] == [
        ("squash", "Sigmoid", "unsupported"), ("mm", "MatMul", "supported"),
        ("probs", "Tanh", "unsupported")]
    # each with what would make it supported
    assert "output head" in str(report.nodes[0].message)
    assert "lookup tables" in str(report.nodes[2].message)
    assert report.nodes[1].produces == "layer 0: dense 3->4"
    assert not report.loadable and report.error is not None and "squash" in report.error
    assert report.unsupported_ops == ("Sigmoid", "Tanh")
    text = report.format()
    for word in ("squash", "Sigmoid", "unsupported", "Tanh", "NOT loadable"):
        assert word in text
    assert json.loads(json.dumps(report.to_dict()))["unsupported_ops"] == ["Sigmoid", "Tanh"]


def test_inspect_of_a_good_model() -> None:
    report = inspect_onnx(mlp_onnx([4, 3, 2], style="matmul_add"))
    assert report.loadable and report.error is None and report.problems == ()
    assert [n.produces for n in report.nodes] == [
        "layer 0: dense 4->3", "bias of layer 0", "ReLU of layer 0",
        "layer 1: dense 3->2", "bias of layer 1"]
    assert [(la.in_dim, la.out_dim, la.relu) for la in report.layers] == [(4, 3, True),
                                                                           (3, 2, False)]
    assert report.num_parameters == 23 and report.opset == 17
    assert report.input_shape == (1, 4)
    assert "result: loadable" in report.format()


def test_inspect_reports_node_errors_and_graph_problems(tmp_path: Path) -> None:
    data = _save_external(tmp_path).read_bytes()
    report = inspect_onnx(data)  # no base_dir: the external tensors cannot be read
    assert not report.loadable and "no base directory" in (report.error or "")
    first = report.nodes[0]
    assert first.status == "error" and "fc0.weight" in (first.message or "")
    # Every unreadable tensor is listed, then the node errors they cause.
    assert sum("no base directory" in p for p in report.problems) == 4
    assert report.problems[0].startswith("node 'fc0.weight'")


def _broken_models() -> list[bytes]:
    w = RNG.standard_normal((3, 3)).astype(np.float32)
    nan = w.copy()
    nan[1, 1] = np.nan
    branchy = [helper.make_node("MatMul", ["x", "W"], ["a"], name="left"),
               helper.make_node("MatMul", ["x", "W"], ["b"], name="right"),
               helper.make_node("Add", ["a", "b"], ["y"], name="join")]
    misplaced = [helper.make_node("Relu", ["x"], ["r"], name="early"),
                 helper.make_node("MatMul", ["r", "W"], ["y"], name="mm")]
    unsorted = onnx.ModelProto()
    unsorted.ParseFromString(mlp_onnx([3, 4, 2]))
    nodes = list(unsorted.graph.node)[::-1]
    del unsorted.graph.node[:]
    unsorted.graph.node.extend(nodes)
    old = onnx.ModelProto()
    old.ParseFromString(mlp_onnx([3, 2]))
    old.opset_import[0].version = 5
    return [
        _bytes(_model(branchy, [_tensor("W", w)], [1, 3])),
        _bytes(_model(misplaced, [_tensor("W", w)], [1, 3])),
        _bytes(_model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
                      [_tensor("W", nan)], [1, 3])),
        _bytes(unsorted),
        _bytes(old),
        mlp_onnx([3, 4, 2])[:-7],
    ]


@pytest.mark.parametrize("data", _broken_models())
def test_inspect_agrees_with_load(data: bytes) -> None:
    with pytest.raises(ModelImportError) as info:
        load_onnx(data)
    try:
        report = inspect_onnx(data)
    except ModelImportError as exc:  # only when the bytes do not decode at all
        assert "protobuf" in str(exc)
        return
    assert not report.loadable and report.error == str(info.value)
    assert report.problems[0] == report.error
    assert "NOT loadable" in report.format()


_VALID = mlp_onnx([3, 4, 2], style="matmul_add")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), min_size=1,
                max_size=4))
def test_corrupted_bytes_raise_only_folding_errors(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_VALID)
    for position, value in edits:
        data[position] = value
    for entry_point in (load_onnx, inspect_onnx):
        try:
            entry_point(bytes(data))
        except ModelImportError:
            pass


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_squeeze_and_unsqueeze_of_the_activation_are_reindexing(opset: int) -> None:
    """No constraints: one sample's row-major data is the same in every shape."""
    w = RNG.standard_normal((4, 3)).astype(np.float32)
    if opset < 13:
        nodes = [helper.make_node("Unsqueeze", ["x"], ["u"], axes=[0]),        # [1, 1, 4]
                 helper.make_node("Squeeze", ["u"], ["s"], axes=[0, -2]),      # [4]
                 helper.make_node("Unsqueeze", ["s"], ["r"], axes=[0])]        # [1, 4]
        inits = [_tensor("W", w)]
    else:
        nodes = [helper.make_node("Unsqueeze", ["x", "a0"], ["u"]),
                 helper.make_node("Squeeze", ["u"], ["s"]),                    # all size-1 axes
                 helper.make_node("Unsqueeze", ["s", "a0"], ["r"])]
        inits = [_tensor("W", w), _tensor("a0", np.array([0], np.int64))]
    nodes.append(helper.make_node("MatMul", ["r", "W"], ["y"], name="mm"))
    model = load_onnx(_bytes(_model(nodes, inits, [1, 4], 3, opset=opset)))
    (layer,) = model.layers
    np.testing.assert_allclose(layer.weight, w.T)
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(model.forward(x), x @ w, rtol=1e-6)


def test_squeeze_of_a_dimension_that_is_not_one_names_the_node() -> None:
    nodes = [helper.make_node("Squeeze", ["x", "a1"], ["s"], name="sq"),
             helper.make_node("MatMul", ["s", "W"], ["y"])]
    inits = [_tensor("W", np.ones((4, 3), np.float32)), _tensor("a1", np.array([1], np.int64))]
    with pytest.raises(ModelImportError, match="size is not 1") as info:
        load_onnx(_bytes(_model(nodes, inits, [1, 4], 3)))
    assert info.value.node == "sq"
