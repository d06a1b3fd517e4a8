"""Import of convolutional networks: every new operator against onnxruntime, the residual
chain, BatchNormalization folding, the integer reference of each layer kind, and the typed
errors for what is not supported."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from folding.errors import ModelImportError, QuantizationError, UnsupportedOperatorError
from folding.geometry import Window2d
from folding.onnx_import import load_onnx
from folding.quant_ir import (
    QuantConvLayer,
    QuantizedModel,
    QuantPoolLayer,
    QuantSettings,
    layer_arrays,
)
from folding.quantize import quantize
from folding.reference import forward_int, predict_int
from folding.testing.cnn import CnnBuilder, iris_resnet_onnx, lenet5_onnx, zator_onnx

ort = pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(7)


def _run_onnx(data: bytes, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Runs the model on each ``[1, c, h, w]`` sample of ``x``; returns ``[n, outputs]``."""
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return np.stack([session.run(None, {"input": sample.astype(np.float32)})[0].reshape(-1)
                     for sample in x])


def _assert_matches_onnxruntime(data: bytes, shape: tuple[int, ...], samples: int = 4) -> None:
    model = load_onnx(data)
    x = RNG.standard_normal((samples, *shape))
    expected = _run_onnx(data, x)
    # float32 inside onnxruntime: compare with the float model fed the same float32 values
    ours = model.forward(x.astype(np.float32).reshape(samples, -1))
    scale = max(1.0, float(np.abs(expected).max()))
    assert np.abs(ours - expected).max() < 1e-4 * scale


def _single(op: str, attrs: dict[str, Any], shape: tuple[int, ...], out_shape: list[Any],
            inits: list[onnx.TensorProto] | None = None, extra: list[str] | None = None) -> bytes:
    """A model of one node ``op`` on ``input`` (for error cases)."""
    node = helper.make_node(op, ["input", *(extra or [])], ["y"], name="n", **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits or [])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    return bytes(model.SerializeToString())


# ---- float semantics against onnxruntime --------------------------------------------------


@pytest.mark.parametrize("kernel,stride,pad", [(3, 1, 1), (5, 1, 2), (3, 2, 1), (2, 2, 0),
                                               (1, 1, 0), (3, 3, 0)])
def test_conv_matches_onnxruntime(kernel: int, stride: int, pad: int) -> None:
    b = CnnBuilder((3, 11, 9), seed=kernel * 10 + stride)
    b.conv(4, kernel, stride=stride, pad=pad, relu=False)
    b.flatten()
    b.dense(5, relu=False)
    _assert_matches_onnxruntime(b.to_onnx(), (1, 3, 11, 9))


def test_conv_with_auto_pad_same_and_asymmetric_pads_matches_onnxruntime() -> None:
    w = RNG.standard_normal((2, 1, 4, 4))
    for attrs in ({"auto_pad": "SAME_UPPER", "strides": [2, 2]},
                  {"auto_pad": "SAME_LOWER"}, {"pads": [0, 1, 2, 1]}, {"auto_pad": "VALID"}):
        data = _single("Conv", {"kernel_shape": [4, 4], **attrs}, (1, 1, 9, 10), [1, 2, "h", "w"],
                       [numpy_helper.from_array(w.astype(np.float32), "W")], ["W"])
        model = load_onnx(data)
        session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        x = RNG.standard_normal((1, 1, 9, 10)).astype(np.float32)
        expected = session.run(None, {"input": x})[0]
        assert model.layers[0].out_shape == expected.shape[1:], attrs
        assert np.allclose(model.forward(x.reshape(1, -1))[0], expected.reshape(-1), atol=1e-4)


def test_pooling_matches_onnxruntime() -> None:
    b = CnnBuilder((2, 12, 12), seed=3)
    b.conv(3, 3)
    b.max_pool(2)
    b.conv(3, 3)
    b.max_pool(3, stride=2)
    b.conv(4, 3, relu=False)
    b.avg_pool(2)
    b.global_avg_pool()
    b.flatten()
    b.dense(3, relu=False)
    data = b.to_onnx()
    assert [layer.kind for layer in load_onnx(data).layers] == [
        "conv", "maxpool", "conv", "maxpool", "conv", "avgpool", "avgpool", "dense"]
    _assert_matches_onnxruntime(data, (1, 2, 12, 12))


def test_batch_norm_is_folded_and_residuals_add_the_block_input() -> None:
    b = CnnBuilder((4, 6, 6), seed=5)
    b.conv(4, 3, batch_norm=True)
    b.residual_block()
    b.residual_block()
    b.flatten()
    b.dense(3, relu=False)
    data = b.to_onnx()
    model = load_onnx(data)
    assert [layer.kind for layer in model.layers] == ["conv"] * 5 + ["dense"]
    assert [layer.skip_from for layer in model.layers] == [None, None, 1, None, 3, None]
    assert all(layer.relu for layer in model.layers[:5])
    _assert_matches_onnxruntime(data, (1, 4, 6, 6))


def test_relu_after_max_pool_moves_onto_the_layer_before() -> None:
    b = CnnBuilder((1, 8, 8), seed=2)
    b.conv(2, 3, relu=False)
    b.max_pool(2)
    b.relu()
    b.flatten()
    b.dense(2, relu=False)
    data = b.to_onnx()
    model = load_onnx(data)
    assert model.layers[0].relu and not model.layers[1].relu
    _assert_matches_onnxruntime(data, (1, 1, 8, 8))


@pytest.mark.parametrize("make,shape,layers,params", [
    (lenet5_onnx, (1, 1, 28, 28), 7, 61_706),
    (lambda: zator_onnx(12), (1, 1, 28, 28), 12, 20 + 10 * 38 + 15_690),
    (iris_resnet_onnx, (1, 1, 64, 64), 52, 1_763_328),
])
def test_benchmark_networks_import_exactly(make: Any, shape: tuple[int, ...], layers: int,
                                           params: int) -> None:
    data = make()
    model = load_onnx(data)
    assert len(model.layers) == layers and model.num_parameters == params
    _assert_matches_onnxruntime(data, shape, samples=2)


# ---- errors name the node -------------------------------------------------------------


@pytest.mark.parametrize("attrs,message", [
    ({"group": 0}, "group=0"),
    ({"dilations": [0, 1]}, "dilations"),
])
def test_invalid_conv_attributes_are_errors_naming_the_node(attrs: dict[str, Any], message: str
                                                            ) -> None:
    w = numpy_helper.from_array(RNG.standard_normal((2, 1, 3, 3)).astype(np.float32), "W")
    data = _single("Conv", {"kernel_shape": [3, 3], **attrs}, (1, 1, 8, 8),
                   [1, 2, "h", "w"], [w], ["W"])
    with pytest.raises(ModelImportError, match=message) as info:
        load_onnx(data)
    assert info.value.node == "n"


def test_pool_options_that_change_semantics_are_refused() -> None:
    for op, attrs, message in [
        ("MaxPool", {"kernel_shape": [2, 2], "ceil_mode": 1}, "ceil_mode"),
        ("AveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}, "count_include_pad"),
    ]:
        with pytest.raises(UnsupportedOperatorError, match=message):
            load_onnx(_single(op, attrs, (1, 1, 8, 8), [1, 1, "h", "w"]))
    with pytest.raises(ModelImportError, match="kernel_shape is required"):
        load_onnx(_single("MaxPool", {}, (1, 1, 8, 8), [1, 1, "h", "w"]))


def test_conv_on_a_vector_names_the_node() -> None:
    w = numpy_helper.from_array(RNG.standard_normal((2, 1, 3, 3)).astype(np.float32), "W")
    with pytest.raises(ModelImportError, match="feature map") as info:
        load_onnx(_single("Conv", {}, (1, 16), [1, 2, "h", "w"], [w], ["W"]))
    assert info.value.node == "n"


def test_residual_from_a_pre_relu_tensor_is_refused() -> None:
    b = CnnBuilder((2, 6, 6), seed=1)
    pre = b.conv(2, 3, relu=False)
    b.relu()
    b.conv(2, 3, relu=False)
    b._node("Add", [b.current, pre], "add")
    b.flatten()
    b.dense(2, relu=False)
    with pytest.raises(ModelImportError, match="not the final output"):
        load_onnx(b.to_onnx())


def test_batch_norm_after_relu_folds_into_the_next_layer() -> None:
    b = CnnBuilder((2, 6, 6), seed=1)
    b.conv(2, 3)
    b.batch_norm()
    b.flatten()
    b.dense(2, relu=False)
    data = b.to_onnx()
    assert len(load_onnx(data).layers) == 2
    _assert_matches_onnxruntime(data, (1, 2, 6, 6), samples=2)


# ---- the integer model ------------------------------------------------------------------


def _small_cnn() -> bytes:
    b = CnnBuilder((2, 10, 10), seed=11)
    b.conv(4, 3, batch_norm=True)
    b.residual_block()
    b.max_pool(2)
    b.conv(3, 3, stride=2, relu=False)
    b.avg_pool(2, stride=1)
    b.relu()
    b.flatten()
    b.dense(6)
    b.dense(3, relu=False)
    return b.to_onnx()


def test_quantized_cnn_agrees_with_the_float_model() -> None:
    model = load_onnx(_small_cnn())
    calibration = RNG.standard_normal((64, model.input_dim))
    q = quantize(model, calibration)
    assert q.report is not None and q.report.top1_agreement >= 0.95
    held_out = RNG.standard_normal((64, model.input_dim))
    ours = q.dequantize_output(predict_int(q, q.quantize_input(held_out)))
    floats = model.forward(held_out)
    assert (ours.argmax(axis=1) == floats.argmax(axis=1)).mean() >= 0.9
    assert np.abs(ours - floats).max() < 0.05 * np.abs(floats).max()
    skipped = [layer for layer in q.layers if layer.skip_from is not None]
    assert len(skipped) == 1 and 0 < skipped[0].skip_mult <= q.settings.weight_limit


def _naive_int_forward(q: QuantizedModel, x: np.ndarray[Any, Any]) -> list[np.ndarray[Any, Any]]:
    """The arithmetic spelled out loop by loop, as an independent check of the reference."""
    s = q.settings.shift
    outs: list[np.ndarray[Any, Any]] = []
    entering: list[np.ndarray[Any, Any]] = []
    act = x.astype(np.int64)
    for layer in q.layers:
        entering.append(act)
        if isinstance(layer, (QuantConvLayer, QuantPoolLayer)):
            win = layer.window
            c, h, w = win.in_shape
            maps = act.reshape(c, h, w)
            oh, ow = win.out_hw
            out_c = layer.weight.shape[0] if isinstance(layer, QuantConvLayer) else c
            y = np.zeros((out_c, oh, ow), dtype=np.int64)
            for o in range(out_c):
                for i in range(oh):
                    for j in range(ow):
                        taps = []
                        for ky in range(win.kernel[0]):
                            for kx in range(win.kernel[1]):
                                r = i * win.stride[0] + ky - win.pads[0]
                                col = j * win.stride[1] + kx - win.pads[1]
                                if 0 <= r < h and 0 <= col < w:
                                    taps.append((ky, kx, r, col))
                        if isinstance(layer, QuantConvLayer):
                            y[o, i, j] = layer.bias[o] + sum(
                                int(layer.weight[o, ci, ky, kx]) * int(maps[ci, r, col])
                                for ci in range(c) for ky, kx, r, col in taps)
                        elif layer.op == "max":
                            y[o, i, j] = max(int(maps[o, r, col]) for _, _, r, col in taps)
                        else:
                            y[o, i, j] = layer.mult * sum(
                                int(maps[o, r, col]) for _, _, r, col in taps) + layer.bias
            acc = y.reshape(-1)
            if isinstance(layer, QuantPoolLayer) and layer.op == "max":
                outs.append(acc)
                act = acc
                continue
        else:
            acc = layer.weight @ act + layer.bias
        if layer.skip_from is not None:
            acc = acc + layer.skip_mult * entering[layer.skip_from]
        y_flat = acc >> s
        act = np.maximum(y_flat, 0) if layer.relu else y_flat
        outs.append(act)
    return outs


def test_integer_reference_matches_a_loop_by_loop_forward_pass() -> None:
    model = load_onnx(_small_cnn())
    q = quantize(model, RNG.standard_normal((16, model.input_dim)))
    x_q = q.quantize_input(RNG.standard_normal(model.input_dim))
    for ours, naive in zip(forward_int(q, x_q), _naive_int_forward(q, x_q), strict=True):
        assert np.array_equal(ours, naive)


def test_quantized_cnn_round_trips_through_its_metadata() -> None:
    model = load_onnx(_small_cnn())
    q = quantize(model, RNG.standard_normal((8, model.input_dim)))
    again = QuantizedModel.from_dict(q.to_dict(), [layer_arrays(layer) for layer in q.layers])
    assert [layer.kind for layer in again.layers] == [layer.kind for layer in q.layers]
    x_q = q.quantize_input(RNG.standard_normal(model.input_dim))
    assert np.array_equal(predict_int(again, x_q), predict_int(q, x_q))


def test_quantized_layers_check_their_own_ranges() -> None:
    window = Window2d((1, 4, 4), (3, 3), (1, 1), (1, 1, 1, 1))
    settings = QuantSettings(act_bits=8, weight_bits=4, shift=2)
    conv = QuantConvLayer(name="c", weight=np.full((1, 1, 3, 3), 9), bias=np.zeros(1, np.int64),
                          window=window, relu=True)
    with pytest.raises(QuantizationError, match="4-bit limit"):
        QuantizedModel(settings=settings, layers=(conv,), input_scale=1.0, output_scale=1.0,
                       layer_scales=(1.0,))
    skip = QuantConvLayer(name="c", weight=np.ones((1, 1, 3, 3), np.int64),
                          bias=np.zeros(1, np.int64), window=window, relu=True, skip_from=0,
                          skip_mult=8)
    with pytest.raises(QuantizationError, match="4-bit limit"):
        QuantizedModel(settings=settings, layers=(skip,), input_scale=1.0, output_scale=1.0,
                       layer_scales=(1.0,))
    with pytest.raises(QuantizationError, match="no multiplier"):
        QuantPoolLayer(name="p", op="max", window=window, mult=3)
