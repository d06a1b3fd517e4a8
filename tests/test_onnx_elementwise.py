"""Element-wise Mul, Div, Sub, Neg and Add by constants fold into a neighbouring layer
(folding.ops.elementwise, folding.onnx_fusion): the imported model computes what onnxruntime
computes; what cannot fold exactly is refused naming the node."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper as h
from onnx_support import assert_agrees, make_model

from folding.errors import ModelImportError
from folding.onnx_import import load_onnx

ort = pytest.importorskip("onnxruntime")
RNG = np.random.default_rng(11)


def _model(nodes: list[onnx.NodeProto], consts: dict[str, np.ndarray],
           in_shape: list[int], out_shape: list[int]) -> onnx.ModelProto:
    return make_model(nodes, consts, in_shape, out_shape)


def _agrees(model: onnx.ModelProto, in_shape: list[int]) -> None:
    assert_agrees(model, in_shape, RNG)


def _w(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape)


def test_input_normalisation_folds_into_the_first_dense_layer() -> None:
    model = _model([
        h.make_node("Sub", ["x", "mean"], ["c"]),
        h.make_node("Div", ["c", "std"], ["n"]),
        h.make_node("Gemm", ["n", "W", "B"], ["y"], transB=1),
    ], {"mean": _w(1, 6), "std": 0.5 + RNG.uniform(size=(6,)), "W": _w(4, 6), "B": _w(4)},
        [1, 6], [1, 4])
    assert len(load_onnx(model.SerializeToString()).layers) == 1
    _agrees(model, [1, 6])


def test_scales_after_a_layer_fold_into_it_and_after_a_relu_into_the_next() -> None:
    model = _model([
        h.make_node("MatMul", ["x", "W1"], ["a"]),
        h.make_node("Mul", ["a", "s"], ["b"]),
        h.make_node("Neg", ["b"], ["c"]),
        h.make_node("Relu", ["c"], ["r"]),
        h.make_node("Sub", ["k", "r"], ["d"]),      # constant - activation
        h.make_node("Mul", ["d", "two"], ["e"]),    # a scalar
        h.make_node("MatMul", ["e", "W2"], ["y"]),
    ], {"W1": _w(5, 4), "s": _w(4), "k": _w(1, 4), "two": np.array(2.0), "W2": _w(4, 3)},
        [1, 5], [1, 3])
    assert len(load_onnx(model.SerializeToString()).layers) == 2
    _agrees(model, [1, 5])


def test_per_channel_normalisation_of_an_image_folds_into_an_unpadded_conv() -> None:
    model = _model([
        h.make_node("Sub", ["x", "mean"], ["c"]),
        h.make_node("Div", ["c", "std"], ["n"]),
        h.make_node("Conv", ["n", "K", "KB"], ["v"], kernel_shape=[3, 3]),
        h.make_node("Mul", ["v", "gain"], ["g"]),   # per output channel, after the conv
        h.make_node("Add", ["g", "off"], ["o"]),
        h.make_node("Relu", ["o"], ["r"]),
        h.make_node("Flatten", ["r"], ["f"]),
        h.make_node("Gemm", ["f", "W", "B"], ["y"], transB=1),
    ], {"mean": _w(1, 2, 1, 1), "std": 0.5 + RNG.uniform(size=(1, 2, 1, 1)),
        "K": _w(3, 2, 3, 3), "KB": _w(3), "gain": _w(1, 3, 1, 1), "off": _w(1, 3, 1, 1),
        "W": _w(4, 3 * 4 * 4), "B": _w(4)},
        [1, 2, 6, 6], [1, 4])
    assert [layer.kind for layer in load_onnx(model.SerializeToString()).layers] == \
        ["conv", "dense"]
    _agrees(model, [1, 2, 6, 6])


def _conv_after(shift_node: onnx.NodeProto, consts: dict[str, np.ndarray],
                pads: list[int]) -> onnx.ModelProto:
    return _model([
        shift_node,
        h.make_node("Conv", ["n", "K"], ["v"], kernel_shape=[3, 3], pads=pads),
        h.make_node("Flatten", ["v"], ["f"]),
        h.make_node("Gemm", ["f", "W"], ["y"], transB=1),
    ], {**consts, "K": _w(1, 1, 3, 3), "W": _w(2, 16 if pads[0] else 4)}, [1, 1, 4, 4], [1, 2])


def test_a_shift_before_a_padded_conv_is_refused_and_a_scale_is_not() -> None:
    shift = h.make_node("Sub", ["x", "m"], ["n"], name="centre")
    with pytest.raises(ModelImportError, match="padded convolution") as info:
        load_onnx(_conv_after(shift, {"m": np.array(0.5)}, [1, 1, 1, 1]).SerializeToString())
    assert info.value.node == "node1_Conv" and "'centre'" in str(info.value)
    scale = h.make_node("Mul", ["x", "s"], ["n"])
    _agrees(_conv_after(scale, {"s": np.array(3.0)}, [1, 1, 1, 1]), [1, 1, 4, 4])
    _agrees(_conv_after(shift, {"m": np.array(0.5)}, [0, 0, 0, 0]), [1, 1, 4, 4])


@pytest.mark.parametrize(("nodes", "consts", "match"), [
    # varies over positions within a channel: no single weight per channel
    ([h.make_node("Conv", ["x", "K"], ["v"], kernel_shape=[1, 1]),
      h.make_node("Mul", ["v", "m"], ["y"], name="bad")],
     {"K": _w(1, 1, 1, 1), "m": _w(1, 1, 2, 2)}, "varies within a channel"),
    ([h.make_node("Div", ["c", "x"], ["y"], name="bad")], {"c": _w(1, 4)}, "not affine"),
    ([h.make_node("MatMul", ["x", "W"], ["a"]), h.make_node("Div", ["a", "z"], ["y"],
                                                            name="bad")],
     {"W": _w(4, 4), "z": np.array([1.0, 0.0, 1.0, 1.0])}, "zero element"),
    ([h.make_node("Mul", ["x", "m"], ["a"], name="bad"), h.make_node("Relu", ["a"], ["y"])],
     {"m": _w(1, 4)}, "cannot fold into a Relu"),
    ([h.make_node("MatMul", ["x", "W"], ["a"]),
      h.make_node("Mul", ["a", "m"], ["y"], name="bad")],
     {"W": _w(4, 4), "m": _w(3, 4)}, "would grow the activation"),
])
def test_what_cannot_fold_exactly_is_refused(nodes: list[onnx.NodeProto],
                                             consts: dict[str, np.ndarray], match: str) -> None:
    in_shape = [1, 1, 2, 2] if nodes[0].op_type == "Conv" else [1, 4]
    out_shape = in_shape if nodes[0].op_type == "Conv" else [1, 4]
    model = _model(nodes, consts, in_shape, out_shape)
    with pytest.raises(ModelImportError, match=match) as info:
        load_onnx(model.SerializeToString())
    assert "'bad'" in str(info.value)  # the node, or (refused downstream) its origin
