"""Normalisation before import (folding.onnx_normalize): exporters' shape arithmetic and
computations on constants are folded into initializers, so models that wrote them import and
compute what onnxruntime computes; what depends on the input, or cannot be folded safely,
stays a node and meets the importer's own checks."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

from folding import onnx_normalize
from folding.errors import ModelImportError
from folding.onnx_import import inspect_onnx, load_onnx
from folding.onnx_normalize import normalize

ort = pytest.importorskip("onnxruntime")
RNG = np.random.default_rng(5)


def _model(nodes: list[onnx.NodeProto], inits: list[onnx.TensorProto],
           in_shape: list[int | str], out_shape: list[int | str], opset: int = 13,
           ) -> onnx.ModelProto:
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, in_shape)],
                         [h.make_tensor_value_info("y", T.FLOAT, out_shape)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    return model


def _const(name: str, value: np.ndarray) -> onnx.TensorProto:
    return nh.from_array(value, name)


def _flatten_by_shape_arithmetic() -> onnx.ModelProto:
    """What PyTorch writes for ``x.view(x.size(0), -1)`` before a linear layer."""
    w = RNG.normal(size=(3, 16)).astype(np.float32)
    return _model([
        h.make_node("Shape", ["x"], ["s"]),
        h.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        h.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        h.make_node("Concat", ["n1", "minus_one"], ["shape"], axis=0),
        h.make_node("Reshape", ["x", "shape"], ["flat"]),
        h.make_node("Gemm", ["flat", "W", "B"], ["y"], transB=1),
    ], [_const("W", w), _const("B", RNG.normal(size=3).astype(np.float32)),
        _const("zero", np.array(0, np.int64)), _const("axes", np.array([0], np.int64)),
        _const("minus_one", np.array([-1], np.int64))],
        ["batch", 1, 4, 4], ["batch", 3])


def _ort(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_shape_arithmetic_before_a_reshape_folds_and_imports() -> None:
    model = _flatten_by_shape_arithmetic()
    result = normalize(model)
    assert [n.op_type for n in result.model.graph.node] == ["Reshape", "Gemm"]
    assert len(result.folded) == 4
    x = RNG.normal(size=(1, 1, 4, 4)).astype(np.float32)
    imported = load_onnx(model.SerializeToString())
    np.testing.assert_allclose(imported.forward(x.reshape(-1)), _ort(model, x).reshape(-1),
                               rtol=1e-5, atol=1e-5)


def test_a_weight_computed_from_constants_is_a_constant() -> None:
    """``MatMul(x, Transpose(Reshape(W)))``: the weight operand is not an initializer."""
    w = RNG.normal(size=(24,)).astype(np.float32)
    model = _model([
        h.make_node("Reshape", ["W", "wshape"], ["w2"]),
        h.make_node("Transpose", ["w2"], ["wt"], perm=[1, 0]),
        h.make_node("MatMul", ["x", "wt"], ["y"]),
    ], [_const("W", w), _const("wshape", np.array([4, 6], np.int64))], [1, 6], [1, 4])
    x = RNG.normal(size=(1, 6)).astype(np.float32)
    imported = load_onnx(model.SerializeToString())
    np.testing.assert_allclose(imported.forward(x[0]), _ort(model, x)[0], rtol=1e-5, atol=1e-5)


def test_inspect_names_the_folded_nodes() -> None:
    report = inspect_onnx(_flatten_by_shape_arithmetic().SerializeToString())
    assert report.loadable, report.error
    assert report.folded == ("node0_Shape", "node1_Gather", "node2_Unsqueeze", "node3_Concat")
    assert "folded into constants before import (4)" in report.format()
    assert report.to_dict()["folded"] == list(report.folded)


def test_a_model_with_nothing_to_fold_is_returned_as_it_is() -> None:
    w = RNG.normal(size=(6, 4)).astype(np.float32)
    model = _model([h.make_node("MatMul", ["x", "W"], ["y"])], [_const("W", w)], [1, 6], [1, 4])
    result = normalize(model)
    assert result.model is model and result.folded == ()


def test_what_depends_on_the_input_or_chance_stays_a_node() -> None:
    w = RNG.normal(size=(6, 4)).astype(np.float32)
    model = _model([
        h.make_node("RandomNormal", [], ["noise"], shape=[1, 4]),
        h.make_node("MatMul", ["x", "W"], ["xw"]),
        h.make_node("Add", ["xw", "noise"], ["y"]),
    ], [_const("W", w)], [1, 6], [1, 4])
    result = normalize(model)
    assert [n.op_type for n in result.model.graph.node] == ["RandomNormal", "MatMul", "Add"]
    with pytest.raises(ModelImportError, match="RandomNormal"):
        load_onnx(model.SerializeToString())


def test_a_symbolic_feature_dimension_is_not_pinned() -> None:
    """Only the batch dimension is read as 1; an unknown feature width stays an error."""
    model = _flatten_by_shape_arithmetic()
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "h"
    assert "Shape" in [n.op_type for n in normalize(model).model.graph.node]
    report = inspect_onnx(model.SerializeToString())
    assert any("fixed positive feature dimensions" in p for p in report.problems), report.problems
    with pytest.raises(ModelImportError):
        load_onnx(model.SerializeToString())


def test_a_result_over_the_size_limit_is_not_folded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_normalize, "MAX_FOLDED_ELEMENTS", 8)
    w = RNG.normal(size=(6, 4)).astype(np.float32)
    model = _model([
        h.make_node("Transpose", ["W"], ["wt"], perm=[1, 0]),
        h.make_node("Gemm", ["x", "wt"], ["y"], transB=1),
    ], [_const("W", w)], [1, 6], [1, 4])
    assert [n.op_type for n in normalize(model).model.graph.node] == ["Transpose", "Gemm"]


def test_a_node_the_evaluator_refuses_stays_and_the_importer_names_it() -> None:
    """A Gather whose constant index is out of range cannot be evaluated: no traceback."""
    model = _flatten_by_shape_arithmetic()
    for tensor in model.graph.initializer:
        if tensor.name == "zero":
            tensor.CopyFrom(_const("zero", np.array(7, np.int64)))
    result = normalize(model)
    assert "Gather" in [n.op_type for n in result.model.graph.node]
    with pytest.raises(ModelImportError, match="Gather"):
        load_onnx(model.SerializeToString())


def test_initializers_listed_as_inputs_are_constants_too() -> None:
    """Before IR version 4 every initializer is also a graph input; they still fold."""
    w = RNG.normal(size=(24,)).astype(np.float32)
    inits = [_const("W", w), _const("wshape", np.array([6, 4], np.int64))]
    graph = h.make_graph(
        [h.make_node("Reshape", ["W", "wshape"], ["w2"]), h.make_node("MatMul", ["x", "w2"], ["y"])],
        "g",
        [h.make_tensor_value_info("x", T.FLOAT, [1, 6]),
         h.make_tensor_value_info("W", T.FLOAT, [24]),
         h.make_tensor_value_info("wshape", T.INT64, [2])],
        [h.make_tensor_value_info("y", T.FLOAT, [1, 4])], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 8)])
    model.ir_version = 3
    result = normalize(model)
    assert [n.op_type for n in result.model.graph.node] == ["MatMul"]
    x = RNG.normal(size=(6,)).astype(np.float32)
    np.testing.assert_allclose(load_onnx(model.SerializeToString()).forward(x),
                               x @ w.reshape(6, 4), rtol=1e-5, atol=1e-5)
