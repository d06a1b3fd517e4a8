"""Reductions as pooling (ReduceMean/ReduceSum/ReduceMax, GlobalMaxPool), grouped, depthwise
and dilated convolutions, BatchNormalization away from a layer, and MatMul/Gemm with the
activation as a column: each imported model computes what onnxruntime computes, and what
cannot be imported exactly is refused naming the node."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper as h
from onnx_support import assert_agrees, make_model

from folding import api
from folding.errors import ModelImportError, UnsupportedOperatorError
from folding.onnx_import import load_onnx
from folding.reference import predict_int

pytest.importorskip("onnxruntime")
RNG = np.random.default_rng(16)


def _w(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape)


def _head(features: int, classes: int = 3) -> tuple[list, dict]:
    """Flatten + Gemm to ``classes`` outputs, from tensor ``p``."""
    return ([h.make_node("Flatten", ["p"], ["f"]),
             h.make_node("Gemm", ["f", "W", "B"], ["y"], transB=1)],
            {"W": _w(classes, features), "B": _w(classes)})


@pytest.mark.parametrize("opset", [17, 18])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_mean_over_the_spatial_axes_is_a_global_average_pool(opset: int,
                                                                    keepdims: int) -> None:
    axes_consts = {"axes": np.array([-2, -1], dtype=np.int64)} if opset >= 18 else {}
    reduce = (h.make_node("ReduceMean", ["r", "axes"], ["p"], keepdims=keepdims)
              if opset >= 18 else
              h.make_node("ReduceMean", ["r"], ["p"], axes=[2, 3], keepdims=keepdims))
    head, consts = _head(4)
    model = make_model([h.make_node("Conv", ["x", "K"], ["c"], kernel_shape=[3, 3]),
                        h.make_node("Relu", ["c"], ["r"]), reduce, *head],
                       {"K": _w(4, 2, 3, 3), **axes_consts, **consts}, [1, 2, 6, 6], [1, 3],
                       opset=opset)
    kinds = [type(layer).__name__ for layer in load_onnx(model.SerializeToString()).layers]
    assert kinds == ["ConvLayer", "PoolLayer", "DenseLayer"]
    assert_agrees(model, [1, 2, 6, 6], RNG)


def test_reduce_sum_is_the_average_times_the_window_folded_into_the_next_layer() -> None:
    head, consts = _head(4)
    model = make_model([h.make_node("Conv", ["x", "K"], ["c"], kernel_shape=[3, 3]),
                        h.make_node("Relu", ["c"], ["r"]),
                        h.make_node("ReduceSum", ["r", "axes"], ["p"], keepdims=1), *head],
                       {"K": _w(4, 2, 3, 3), "axes": np.array([2, 3], dtype=np.int64),
                        **consts}, [1, 2, 5, 5], [1, 3])
    assert_agrees(model, [1, 2, 5, 5], RNG)


@pytest.mark.parametrize("op", ["GlobalMaxPool", "ReduceMax"])
def test_global_max_pooling(op: str) -> None:
    pool = (h.make_node("GlobalMaxPool", ["c"], ["p"]) if op == "GlobalMaxPool" else
            h.make_node("ReduceMax", ["c"], ["p"], axes=[2, 3], keepdims=0))
    head, consts = _head(3)
    model = make_model([h.make_node("Conv", ["x", "K", "KB"], ["c"], kernel_shape=[3, 3],
                                    pads=[1, 1, 1, 1]), pool, *head],
                       {"K": _w(3, 1, 3, 3), "KB": _w(3), **consts}, [1, 1, 5, 5], [1, 3])
    layers = load_onnx(model.SerializeToString()).layers
    assert [getattr(layer, "op", None) for layer in layers] == [None, "max", None]
    assert_agrees(model, [1, 1, 5, 5], RNG)


def test_a_mean_over_a_vector_is_a_dense_layer() -> None:
    model = make_model([h.make_node("Gemm", ["x", "W1"], ["a"], transB=1),
                        h.make_node("Relu", ["a"], ["r"]),
                        h.make_node("ReduceMean", ["r"], ["y"], axes=[1], keepdims=1)],
                       {"W1": _w(6, 4)}, [1, 4], [1, 1])
    assert_agrees(model, [1, 4], RNG)


@pytest.mark.parametrize(("group", "in_channels", "out_channels", "dilations"),
                         [(2, 4, 6, [1, 1]), (4, 4, 4, [1, 1]), (1, 2, 3, [2, 2]),
                          (3, 3, 6, [2, 1])])
def test_grouped_depthwise_and_dilated_convolutions(group: int, in_channels: int,
                                                    out_channels: int,
                                                    dilations: list[int]) -> None:
    size = 7
    kernel = _w(out_channels, in_channels // group, 3, 3)
    reach = [(3 - 1) * d + 1 for d in dilations]
    out = [size + 2 - r + 1 for r in reach]
    head, consts = _head(out_channels * out[0] * out[1])
    model = make_model([h.make_node("Conv", ["x", "K", "KB"], ["p"], kernel_shape=[3, 3],
                                    group=group, dilations=dilations, pads=[1, 1, 1, 1]),
                        *head],
                       {"K": kernel, "KB": _w(out_channels), **consts},
                       [1, in_channels, size, size], [1, 3])
    assert_agrees(model, [1, in_channels, size, size], RNG)


def test_a_group_that_does_not_divide_the_channels_is_refused_naming_the_node() -> None:
    model = make_model([h.make_node("Conv", ["x", "K"], ["y"], kernel_shape=[1, 1], group=2,
                                    name="odd")], {"K": _w(3, 1, 1, 1)}, [1, 2, 3, 3],
                       [1, 3, 3, 3])
    with pytest.raises(ModelImportError, match="group=2") as info:
        load_onnx(model.SerializeToString())
    assert info.value.node == "odd"


def test_batch_normalization_on_the_input_and_after_a_relu_folds_into_the_next_layer() -> None:
    def bn(source: str, target: str, prefix: str) -> h.NodeProto:
        return h.make_node("BatchNormalization", [source] + [f"{prefix}{p}" for p in "sbmv"],
                           [target])

    def params(prefix: str, channels: int) -> dict[str, np.ndarray]:
        return {f"{prefix}s": _w(channels), f"{prefix}b": _w(channels),
                f"{prefix}m": _w(channels), f"{prefix}v": 0.5 + RNG.uniform(size=channels)}

    head, consts = _head(4 * 4 * 4)
    model = make_model([bn("x", "n", "in"),
                        h.make_node("Conv", ["n", "K"], ["c"], kernel_shape=[3, 3]),
                        h.make_node("Relu", ["c"], ["r"]),
                        bn("r", "p", "mid"), *head],
                       {**params("in", 2), **params("mid", 4), "K": _w(4, 2, 3, 3), **consts},
                       [1, 2, 6, 6], [1, 3])
    assert len(load_onnx(model.SerializeToString()).layers) == 2
    assert_agrees(model, [1, 2, 6, 6], RNG)


def test_matmul_with_the_constant_first_and_gemm_with_trans_a() -> None:
    model = make_model([h.make_node("MatMul", ["A", "x"], ["a"]),          # [5] from [4]
                        h.make_node("Add", ["a", "c"], ["b"]),
                        h.make_node("Relu", ["b"], ["r"]),
                        h.make_node("Unsqueeze", ["r", "one"], ["col"]),  # [5, 1]
                        h.make_node("Gemm", ["col", "B", "C"], ["y"], transA=1, alpha=0.5,
                                    beta=2.0)],
                       {"A": _w(5, 4), "c": _w(5), "one": np.array([1], dtype=np.int64),
                        "B": _w(5, 3), "C": _w(1, 3)}, [4], [1, 3])
    assert len(load_onnx(model.SerializeToString()).layers) == 2
    assert_agrees(model, [4], RNG)


def test_reductions_that_are_not_pooling_are_refused_naming_the_node() -> None:
    model = make_model([h.make_node("Conv", ["x", "K"], ["c"], kernel_shape=[1, 1]),
                        h.make_node("ReduceMax", ["c"], ["y"], axes=[1], keepdims=1,
                                    name="channel_max")],
                       {"K": _w(3, 2, 1, 1)}, [1, 2, 4, 4], [1, 1, 4, 4])
    with pytest.raises(UnsupportedOperatorError, match="spatial axes") as info:
        load_onnx(model.SerializeToString())
    assert info.value.node == "channel_max"


def test_a_reduce_sum_at_the_end_has_no_layer_to_fold_into() -> None:
    model = make_model([h.make_node("Conv", ["x", "K"], ["c"], kernel_shape=[1, 1]),
                        h.make_node("ReduceSum", ["c", "axes"], ["y"], keepdims=0,
                                    name="total")],
                       {"K": _w(3, 2, 1, 1), "axes": np.array([2, 3], dtype=np.int64)},
                       [1, 2, 4, 4], [1, 3])
    with pytest.raises(ModelImportError, match="nothing follows") as info:
        load_onnx(model.SerializeToString())
    assert info.value.node == "total"


def test_a_cnn_of_these_operators_proves_and_verifies(tmp_path: Path) -> None:
    """Input BatchNormalization, a grouped and a dilated padded convolution, a global max
    pooling: the proof's output is the integer reference's, and it verifies."""
    nodes = [h.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"]),
             h.make_node("Conv", ["n", "K1", "B1"], ["c1"], kernel_shape=[3, 3], group=2),
             h.make_node("Relu", ["c1"], ["r1"]),
             h.make_node("Conv", ["r1", "K2"], ["c2"], kernel_shape=[3, 3],
                         dilations=[2, 2], pads=[2, 2, 2, 2]),
             h.make_node("Relu", ["c2"], ["r2"]),
             h.make_node("GlobalMaxPool", ["r2"], ["p"]),
             h.make_node("Flatten", ["p"], ["f"]),
             h.make_node("Gemm", ["f", "W", "B"], ["y"], transB=1)]
    consts = {"s": _w(2), "b": _w(2), "m": _w(2), "v": 0.5 + RNG.uniform(size=2),
              "K1": _w(4, 1, 3, 3), "B1": _w(4), "K2": _w(4, 4, 3, 3), "W": _w(3, 4),
              "B": _w(3)}
    data = make_model(nodes, consts, [1, 2, 6, 6], [1, 3]).SerializeToString()
    model = api.compile(data, calibration=RNG.normal(size=(16, 72)), act_bits=10,
                        cache_dir=tmp_path)
    kinds = [slot[5] for seg in model.plan() for slot in seg["slots"]]
    assert kinds == ["conv", "conv", "maxpool", "dense"]
    x = RNG.normal(size=(1, 2, 6, 6))
    proof = api.prove(model, x, cache_dir=tmp_path)
    expected = predict_int(model.quantized, model.quantized.quantize_input(x.reshape(-1)))
    assert list(proof.output) == list(expected)
    assert api.verify(proof, model.verifier_key)
