"""Small ONNX builders for convolutional networks: the test suite's models and the benchmark
networks of issue 6 (Zator's 512-layer CNN, LeNet-5, a 50-layer ResNet-style iris stand-in).

:class:`CnnBuilder` appends nodes to one chain and tracks the activation's shape, so that a
network reads as its layer list. Weights are seeded (He-scaled normal unless given), so a
builder call is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["CnnBuilder", "iris_resnet_onnx", "lenet5_onnx", "zator_onnx"]

Shape = tuple[int, ...]


class CnnBuilder:
    """Builds one chain of ONNX nodes from a ``[1, c, h, w]`` input.

    Args:
        input_shape: ``(c, h, w)`` of the input map.
        seed: Seed of the weight generator.
        opset: The default-domain opset of the model.
    """

    def __init__(self, input_shape: Sequence[int], *, seed: int = 0, opset: int = 17) -> None:
        self.rng = np.random.default_rng(seed)
        self.opset = opset
        self.input_shape: Shape = (1, *(int(d) for d in input_shape))
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.current = "input"
        self.shape: Shape = self.input_shape
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _const(self, prefix: str, value: npt.ArrayLike) -> str:
        name = self._name(prefix)
        self.initializers.append(
            numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def _node(self, op: str, inputs: list[str], prefix: str, **attrs: Any) -> str:
        out = self._name(prefix)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out + "_node", **attrs))
        self.current = out
        return out

    def conv(self, out_channels: int, kernel: int = 3, *, stride: int = 1,
             pad: int | None = None, relu: bool = True, batch_norm: bool = False,
             weight: npt.ArrayLike | None = None, bias: npt.ArrayLike | None = None,
             weight_scale: float | None = None) -> str:
        """A ``kernel x kernel`` convolution (padding ``kernel // 2`` unless given), with an
        optional inference BatchNormalization and ReLU. Returns the output tensor."""
        c, h, w = self.shape[1:]
        pad = kernel // 2 if pad is None else pad
        if weight is None:
            scale = weight_scale if weight_scale is not None else np.sqrt(2.0 / (c * kernel**2))
            weight = self.rng.normal(0.0, scale, (out_channels, c, kernel, kernel))
        if bias is None:
            bias = self.rng.normal(0.0, 0.05, out_channels)
        out = self._node("Conv", [self.current, self._const("W", weight), self._const("B", bias)],
                         "conv", kernel_shape=[kernel, kernel], strides=[stride, stride],
                         pads=[pad] * 4)
        oh, ow = (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1
        self.shape = (1, out_channels, oh, ow)
        if batch_norm:
            self.batch_norm()
        if relu:
            out = self.relu()
        return out

    def batch_norm(self) -> str:
        """An inference BatchNormalization with seeded statistics near the identity."""
        c = self.shape[1]
        params = [self.rng.uniform(0.8, 1.2, c), self.rng.normal(0.0, 0.05, c),
                  self.rng.normal(0.0, 0.05, c), self.rng.uniform(0.8, 1.2, c)]
        names = [self._const(p, v) for p, v in zip(("gamma", "beta", "mean", "var"), params,
                                                    strict=True)]
        return self._node("BatchNormalization", [self.current, *names], "bn", epsilon=1e-5)

    def relu(self) -> str:
        """ReLU."""
        return self._node("Relu", [self.current], "relu")

    def max_pool(self, kernel: int = 2, stride: int | None = None) -> str:
        """Max pooling (no padding)."""
        stride = kernel if stride is None else stride
        out = self._node("MaxPool", [self.current], "maxpool", kernel_shape=[kernel, kernel],
                         strides=[stride, stride])
        c, h, w = self.shape[1:]
        self.shape = (1, c, (h - kernel) // stride + 1, (w - kernel) // stride + 1)
        return out

    def avg_pool(self, kernel: int = 2, stride: int | None = None) -> str:
        """Average pooling (no padding)."""
        stride = kernel if stride is None else stride
        out = self._node("AveragePool", [self.current], "avgpool",
                         kernel_shape=[kernel, kernel], strides=[stride, stride])
        c, h, w = self.shape[1:]
        self.shape = (1, c, (h - kernel) // stride + 1, (w - kernel) // stride + 1)
        return out

    def global_avg_pool(self) -> str:
        """Global average pooling to ``[1, c, 1, 1]``."""
        out = self._node("GlobalAveragePool", [self.current], "gap")
        self.shape = (1, self.shape[1], 1, 1)
        return out

    def residual_block(self, *, batch_norm: bool = True, weight_scale: float | None = None
                       ) -> str:
        """``relu(x + bn(conv(relu(bn(conv(x))))))`` at the current width (3x3 kernels)."""
        skip = self.current
        channels = self.shape[1]
        self.conv(channels, 3, batch_norm=batch_norm, weight_scale=weight_scale)
        self.conv(channels, 3, batch_norm=batch_norm, relu=False, weight_scale=weight_scale)
        self._node("Add", [self.current, skip], "add")
        return self.relu()

    def flatten(self) -> str:
        """Flatten to ``[1, n]``."""
        out = self._node("Flatten", [self.current], "flat", axis=1)
        self.shape = (1, int(np.prod(self.shape[1:])))
        return out

    def dense(self, out_dim: int, *, relu: bool = True, weight: npt.ArrayLike | None = None,
              bias: npt.ArrayLike | None = None) -> str:
        """``Gemm`` with ``transB = 1`` (weight ``[out, in]``), then an optional ReLU."""
        in_dim = self.shape[-1]
        if weight is None:
            weight = self.rng.normal(0.0, np.sqrt(2.0 / in_dim), (out_dim, in_dim))
        if bias is None:
            bias = self.rng.normal(0.0, 0.05, out_dim)
        out = self._node("Gemm", [self.current, self._const("W", weight), self._const("B", bias)],
                         "fc", transB=1)
        self.shape = (1, out_dim)
        if relu:
            out = self.relu()
        return out

    def to_onnx(self) -> bytes:
        """The serialized model (checked by ``onnx.checker``)."""
        graph = helper.make_graph(
            self.nodes, "cnn",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(self.input_shape))],
            [helper.make_tensor_value_info(self.current, TensorProto.FLOAT, list(self.shape))],
            self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="folding.testing.cnn", ir_version=9)
        onnx.checker.check_model(model)
        return bytes(model.SerializeToString())


def lenet5_onnx(seed: int = 0, weights: Sequence[npt.ArrayLike] | None = None) -> bytes:
    """LeNet-5 on a 28x28 map: conv 1->6 5x5 (pad 2) + ReLU, max 2x2, conv 6->16 5x5 + ReLU,
    max 2x2, 400->120->84->10 (61,706 parameters).

    Args:
        seed: Seed of the random weights.
        weights: Trained ``[W1, b1, W2, b2, W3, b3, W4, b4, W5, b5]`` instead.
    """
    w = list(weights) if weights is not None else [None] * 10
    b = CnnBuilder((1, 28, 28), seed=seed)
    b.conv(6, 5, pad=2, weight=w[0], bias=w[1])
    b.max_pool(2)
    b.conv(16, 5, pad=0, weight=w[2], bias=w[3])
    b.max_pool(2)
    b.flatten()
    b.dense(120, weight=w[4], bias=w[5])
    b.dense(84, weight=w[6], bias=w[7])
    b.dense(10, relu=False, weight=w[8], bias=w[9])
    return b.to_onnx()


def zator_onnx(depth: int = 512, seed: int = 0, size: int = 28) -> bytes:
    """Zator's network: Conv 1->2 (3x3, pad 1) head, ``depth - 2`` Conv2d(2->2, 3x3, stride 1,
    pad 1) + ReLU on 28x28 (``size`` x ``size``), Linear 1568->10 tail.

    The middle kernels are near the identity (centre tap 1 on the diagonal, small seeded noise
    elsewhere), so that a signal survives 510 layers, as in a trained deep network.
    """
    if depth < 3:
        raise ValueError("Zator's network has a head, at least one middle layer and a tail")
    b = CnnBuilder((1, size, size), seed=seed)
    b.conv(2, 3, weight=b.rng.normal(0.0, 0.3, (2, 1, 3, 3)) + _centre(2, 1))
    for _ in range(depth - 2):
        noise = b.rng.normal(0.0, 0.02, (2, 2, 3, 3))
        b.conv(2, 3, weight=_centre(2, 2) + noise, bias=b.rng.normal(0.0, 0.01, 2))
    b.flatten()
    b.dense(10, relu=False, weight=b.rng.normal(0.0, 0.05, (10, 2 * size * size)))
    return b.to_onnx()


def _centre(out_channels: int, in_channels: int) -> npt.NDArray[np.float64]:
    """A 3x3 kernel that copies input channel ``c % in_channels`` to output channel ``c``."""
    kernel = np.zeros((out_channels, in_channels, 3, 3))
    for c in range(out_channels):
        kernel[c, c % in_channels, 1, 1] = 1.0
    return kernel


def iris_resnet_onnx(seed: int = 0, blocks: int = 23, width: int = 64) -> bytes:
    """An iris-recognition stand-in of about 1.8M parameters and 50 layers on a 64x64 map: a
    strided stem (conv 1->16 s2, conv 16->32 s2, conv 32->``width`` s2, to 8x8), ``blocks``
    residual blocks of two 3x3 convolutions with BatchNormalization, global average pooling
    and a 64->128->256 embedding head (ReLU between).
    """
    b = CnnBuilder((1, 64, 64), seed=seed)
    b.conv(16, 3, stride=2, batch_norm=True)
    b.conv(32, 3, stride=2, batch_norm=True)
    b.conv(width, 3, stride=2, batch_norm=True)
    for _ in range(blocks):
        # Scaled down so that the sum of the identity and the branch stays near unit gain.
        b.residual_block(weight_scale=0.25 * np.sqrt(2.0 / (width * 9)))
    b.global_avg_pool()
    b.flatten()
    b.dense(128)
    b.dense(256, relu=False)
    return b.to_onnx()
