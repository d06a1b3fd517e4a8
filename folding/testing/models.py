"""Builders of small and benchmark test models as ONNX bytes.

Every builder is deterministic in its ``seed``. Weights are drawn with He scaling,
``N(0, 2 / fan_in)`` for a layer that follows a ReLU and ``N(0, 1 / fan_in)`` for the first
layer (its input is standard normal), and biases from ``N(0, 0.1^2)``, so that activations
stay of order 1 through deep stacks. Tensors are stored as float32, the usual export type.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = [
    "DEPTH_SUITE_INPUT",
    "DEPTH_SUITE_OUTPUT",
    "depth_suite_layer_shapes",
    "depth_suite_onnx",
    "depth_suite_parameters",
    "mlp_onnx",
    "mnist_mlp_onnx",
    "narrow_mlp_onnx",
]

#: Opset and IR version of the built models: old enough for every supported onnx release.
OPSET = 17
IR_VERSION = 8

DEPTH_SUITE_INPUT = 784
DEPTH_SUITE_OUTPUT = 1000
_DEPTH_SUITE_HEAD = 100
_DEPTH_SUITE_WIDE = 200
_SEED_TAG = 0x4D4C50

Style = Literal["gemm", "matmul_add"]
BatchDim = int | str | None


def _io_shape(batch_dim: BatchDim, width: int) -> list[int | str | None]:
    return [width] if batch_dim is None else [batch_dim, width]


def mlp_onnx(widths: Sequence[int], *, seed: int = 0, relu_last: bool = False,
             style: Style = "gemm", batch_dim: BatchDim = 1,
             head: str | None = None) -> bytes:
    """A multi-layer perceptron ``widths[0] -> widths[1] -> ... -> widths[-1]``.

    Every layer but the last is followed by ReLU (the last too when ``relu_last``).

    Args:
        widths: Input width, then each layer's output width (at least two entries).
        seed: Seed of the weights.
        relu_last: Whether the last layer has a ReLU.
        style: ``"gemm"``: one ``Gemm(x, W, b, transB=1)`` per layer (as PyTorch exports);
            ``"matmul_add"``: ``MatMul(x, W^T)`` then ``Add(., b)``.
        batch_dim: The input's leading dimension: an int (1), a symbolic name (``"N"``), or
            ``None`` for a rank-1 input without batch dimension.
        head: ``"Softmax"``, ``"LogSoftmax"`` or ``"ArgMax"`` after the last layer (whose
            output is then ``"logits"``), or ``None``.

    Returns:
        The serialized ONNX model (input ``"input"``, output ``"output"``).

    Raises:
        ValueError: If fewer than two widths are given, a width is not positive, or the
            style is unknown.
    """
    if len(widths) < 2 or any(int(w) <= 0 for w in widths):
        raise ValueError(f"widths must list at least two positive sizes, got {list(widths)}")
    if style not in ("gemm", "matmul_add"):
        raise ValueError(f"style must be 'gemm' or 'matmul_add', got {style!r}")
    if head not in (None, "Softmax", "LogSoftmax", "ArgMax"):
        raise ValueError(f"head must be Softmax, LogSoftmax, ArgMax or None, got {head!r}")
    final = "output" if head is None else "logits"
    # Keyed by a tag too, so that seed 0 here is not the stream of a user's default_rng(0).
    rng = np.random.default_rng([seed, _SEED_TAG])
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    current = "input"
    last = len(widths) - 2
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        gain = 1.0 if index == 0 else 2.0  # He scaling after a ReLU
        weight = (rng.standard_normal((fan_out, fan_in)) * np.sqrt(gain / fan_in))
        bias = rng.standard_normal(fan_out) * 0.1
        w_name, b_name = f"fc{index}.weight", f"fc{index}.bias"
        has_relu = index < last or relu_last
        out = final if index == last and not has_relu else f"fc{index}_out"
        if style == "gemm":
            initializers.append(numpy_helper.from_array(weight.astype(np.float32), w_name))
            initializers.append(numpy_helper.from_array(bias.astype(np.float32), b_name))
            nodes.append(helper.make_node("Gemm", [current, w_name, b_name], [out],
                                          name=f"fc{index}", transB=1))
        else:
            initializers.append(numpy_helper.from_array(weight.T.astype(np.float32), w_name))
            initializers.append(numpy_helper.from_array(bias.astype(np.float32), b_name))
            nodes.append(helper.make_node("MatMul", [current, w_name], [f"fc{index}_mm"],
                                          name=f"fc{index}"))
            nodes.append(helper.make_node("Add", [f"fc{index}_mm", b_name], [out],
                                          name=f"fc{index}_bias"))
        current = out
        if has_relu:
            out = final if index == last else f"relu{index}_out"
            nodes.append(helper.make_node("Relu", [current], [out], name=f"relu{index}"))
            current = out
    output_type, output_width = TensorProto.FLOAT, int(widths[-1])
    if head is not None:
        node = helper.make_node(head, [final], ["output"], name="head")
        if head == "ArgMax":  # ArgMax's axis defaults to 0, the batch
            node.attribute.append(helper.make_attribute("axis", 0 if batch_dim is None else 1))
        nodes.append(node)
        if head == "ArgMax":
            output_type, output_width = TensorProto.INT64, 1
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       _io_shape(batch_dim, int(widths[0])))],
        [helper.make_tensor_value_info("output", output_type,
                                       _io_shape(batch_dim, output_width))],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="folding.testing", ir_version=IR_VERSION)
    return bytes(model.SerializeToString())


def depth_suite_layer_shapes(depth: int) -> list[tuple[int, int]]:
    """The ``(in, out)`` shapes of the depth-suite model of ``depth`` dense layers.

    The suite of "The Cost of Intelligence" (Modulus Labs, 2023): 784->100, then ``k``
    pairs of 100->200 and 200->100, then 100->1000 (no ReLU). So ``depth = 2 + 2k``: the
    valid depths are the even numbers from 2 (50, 100, ..., 500 in the benchmarks); depth
    500 has 10,214,200 parameters.

    Raises:
        ValueError: If ``depth`` is not an even integer >= 2.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2 or depth % 2:
        raise ValueError(f"depth must be an even integer >= 2 (2 + 2k), got {depth!r}")
    pairs = (depth - 2) // 2
    middle = [(_DEPTH_SUITE_HEAD, _DEPTH_SUITE_WIDE), (_DEPTH_SUITE_WIDE, _DEPTH_SUITE_HEAD)]
    return ([(DEPTH_SUITE_INPUT, _DEPTH_SUITE_HEAD)] + middle * pairs
            + [(_DEPTH_SUITE_HEAD, DEPTH_SUITE_OUTPUT)])


def depth_suite_parameters(depth: int) -> int:
    """Weights plus biases of :func:`depth_suite_onnx` at ``depth``, without building it."""
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in depth_suite_layer_shapes(depth))


def depth_suite_onnx(depth: int, seed: int = 0) -> bytes:
    """The depth-suite model (see :func:`depth_suite_layer_shapes`) as ONNX bytes.

    Raises:
        ValueError: If ``depth`` is not an even integer >= 2.
    """
    shapes = depth_suite_layer_shapes(depth)
    return mlp_onnx([DEPTH_SUITE_INPUT] + [out for _, out in shapes], seed=seed)


def narrow_mlp_onnx(width: int, depth: int, seed: int = 0, input_dim: int | None = None,
                    ) -> bytes:
    """A narrow deep MLP: ``input_dim -> width``, then ``width -> width``; ``depth`` layers.

    The output is ``width`` wide and the last layer has no ReLU.

    Args:
        width: Every layer's output width.
        depth: Number of dense layers (>= 1).
        seed: Seed of the weights.
        input_dim: Input width; defaults to ``width``.

    Raises:
        ValueError: If ``width`` or ``depth`` is not positive.
    """
    if width <= 0 or depth <= 0:
        raise ValueError(f"width and depth must be positive, got {width} and {depth}")
    return mlp_onnx([input_dim or width] + [width] * depth, seed=seed)


def mnist_mlp_onnx(seed: int = 0) -> bytes:
    """The MNIST-shaped MLP 784 -> 256 -> 256 -> 10 (random weights, input ``[1, 784]``)."""
    return mlp_onnx([784, 256, 256, 10], seed=seed)
