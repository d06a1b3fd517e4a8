"""Layer IR: the float model produced by ONNX import (dense, convolution and pooling layers),
and what it shares with the integer model of :mod:`folding.quant_ir`.

Both models are immutable chains of layers. Arrays are copied on construction, stored
with a fixed dtype (float64 for the float IR, int64 for the integer IR) and made read-only, so
a model can be shared between threads and cached without defensive copies.

The dataclasses use identity equality (``eq=False``): element-wise NumPy comparisons have no
single truth value, and two models are compared by their artefact digests, not with ``==``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from folding.errors import (
    InputError,
    ModelImportError,
    QuantizationError,
)
from folding.geometry import Window2d, conv2d, pool2d
from folding.heads import Heads

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def frozen_array(values: Any, dtype: type[np.generic]) -> Any:
    """Returns a read-only C-contiguous copy of ``values`` with ``dtype``."""
    array = np.array(values, dtype=dtype, copy=True, order="C")
    array.setflags(write=False)
    return array


def as_batch(x: Any, width: int, what: str) -> tuple[npt.NDArray[Any], bool]:
    """Views ``x`` as ``[batch, width]``; returns the view and whether ``x`` was one sample.

    Accepted: one vector ``[width]``; a batch ``[batch, width]``; one sample in the model's
    own layout (any shape of exactly ``width`` values, such as ``[1, 1, 28, 28]`` or
    ``[28, 28]``), read in C order as ONNX lays it out; and a batch of such samples (a first
    dimension ``batch`` and ``width`` values after it, such as ``[batch, 1, 28, 28]``).
    """
    array = np.asarray(x)
    if array.ndim == 1 and array.shape[0] == width:
        return array.reshape(1, width), True
    if array.ndim == 2 and array.shape[1] == width:
        return array, False
    if array.ndim >= 2 and array.size == width:
        return array.reshape(1, width), True
    if array.ndim >= 3 and array.shape[0] > 0 and array.size == array.shape[0] * width:
        return array.reshape(array.shape[0], width), False
    raise InputError(
        f"{what} has shape {tuple(array.shape)}; expected ({width},), (batch, {width}), or "
        f"one sample (or a batch of samples) of {width} values in the model's own shape"
    )


# --------------------------------------------------------------------------------------------
# Float IR
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DenseLayer:
    """One float dense layer ``y = W x + b``, optionally followed by ReLU.

    Attributes:
        name: The ONNX node the layer came from (or a generated ``node{idx}_{op}``).
        weight: float64 array of shape ``[out, in]``.
        bias: float64 array of shape ``[out]``.
        relu: Whether ReLU follows the affine map.
    """

    name: str
    weight: FloatArray
    bias: FloatArray
    relu: bool
    skip_from: int | None = None

    kind = "dense"

    def __post_init__(self) -> None:
        weight = frozen_array(self.weight, np.float64)
        bias = frozen_array(self.bias, np.float64)
        if weight.ndim != 2 or 0 in weight.shape:
            raise ModelImportError(
                f"weight must be a non-empty [out, in] matrix, got shape {weight.shape}",
                node=self.name,
            )
        if bias.shape != (weight.shape[0],):
            raise ModelImportError(
                f"bias shape {bias.shape} does not match {weight.shape[0]} outputs",
                node=self.name,
            )
        _check_finite(self.name, weight, bias)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "bias", bias)

    @property
    def in_dim(self) -> int:
        """Number of inputs."""
        return int(self.weight.shape[1])

    @property
    def out_dim(self) -> int:
        """Number of outputs."""
        return int(self.weight.shape[0])

    @property
    def in_shape(self) -> tuple[int, ...]:
        """Shape of one input: a vector."""
        return (self.in_dim,)

    @property
    def out_shape(self) -> tuple[int, ...]:
        """Shape of one output: a vector."""
        return (self.out_dim,)

    @property
    def num_parameters(self) -> int:
        """Weights plus biases."""
        return int(self.weight.size + self.bias.size)

    def weight_max(self) -> float | None:
        """``max |W|``, which bounds the layer's scale (see :mod:`folding.quantize`)."""
        return float(np.abs(self.weight).max())

    def preactivation(self, x: FloatArray) -> FloatArray:
        """``W x + b`` for a batch ``[batch, in_dim]``."""
        result: FloatArray = x @ self.weight.T + self.bias
        return result


class MapShapes:
    """The shapes of a layer over a 2-D map, from its ``window`` and ``out_channels()``."""

    window: Window2d

    def out_channels(self) -> int:  # pragma: no cover - every map layer overrides it
        """Channels of the output map."""
        raise NotImplementedError

    @property
    def in_shape(self) -> tuple[int, ...]:
        """``(channels, h, w)`` of the input."""
        return self.window.in_shape

    @property
    def out_shape(self) -> tuple[int, ...]:
        """``(channels, oh, ow)`` of the output."""
        return (self.out_channels(), *self.window.out_hw)

    @property
    def in_dim(self) -> int:
        """Flat input length."""
        return self.window.in_dim

    @property
    def out_dim(self) -> int:
        """Flat output length."""
        return math.prod(self.out_shape)


@dataclass(frozen=True, eq=False)
class ConvLayer(MapShapes):
    """One float 2-D convolution (one group, dilation 1), optionally followed by ReLU.

    Attributes:
        name: The ONNX node the layer came from.
        weight: float64 ``[out_channels, in_channels, kh, kw]``.
        bias: float64 ``[out_channels]``.
        window: The geometry: input map shape, kernel, stride and pads.
        relu: Whether ReLU follows (after the residual addition, when there is one).
        skip_from: Residual: the activation entering layer ``skip_from`` is added to this
            layer's output before its ReLU (``None``: no residual).
    """

    name: str
    weight: FloatArray
    bias: FloatArray
    window: Window2d
    relu: bool
    skip_from: int | None = None

    kind = "conv"

    def __post_init__(self) -> None:
        weight = frozen_array(self.weight, np.float64)
        bias = frozen_array(self.bias, np.float64)
        if weight.ndim != 4 or 0 in weight.shape:
            raise ModelImportError(
                f"weight must be a non-empty [out, in, kh, kw] array, got shape {weight.shape}",
                node=self.name)
        if weight.shape[1] != self.window.in_shape[0] or weight.shape[2:] != self.window.kernel:
            raise ModelImportError(
                f"weight shape {weight.shape} does not match {self.window.in_shape[0]} input "
                f"channels and kernel {list(self.window.kernel)}", node=self.name)
        if bias.shape != (weight.shape[0],):
            raise ModelImportError(
                f"bias shape {bias.shape} does not match {weight.shape[0]} output channels",
                node=self.name)
        _check_finite(self.name, weight, bias)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "bias", bias)

    def out_channels(self) -> int:
        """Channels of the output map."""
        return int(self.weight.shape[0])

    @property
    def num_parameters(self) -> int:
        """Weights plus biases."""
        return int(self.weight.size + self.bias.size)

    def weight_max(self) -> float | None:
        """``max |W|``."""
        return float(np.abs(self.weight).max())

    def preactivation(self, x: FloatArray) -> FloatArray:
        """The convolution plus bias for a batch ``[batch, in_dim]``, flat ``[batch, out]``."""
        return conv2d(x, self.weight, self.bias, self.window)


@dataclass(frozen=True, eq=False)
class PoolLayer(MapShapes):
    """A 2-D max or average pooling (global average pooling is a window of the whole map).

    Average pooling divides by the window size, ``kh * kw``, everywhere (ONNX's
    ``count_include_pad=1``); the importer refuses the other convention when there is padding.

    Attributes:
        name: The ONNX node the layer came from.
        op: ``"max"`` or ``"avg"``.
        window: The geometry.
        relu: Whether ReLU follows (average pooling only: the importer moves a ReLU after a
            max pooling onto the layer before, since ``max`` commutes with ReLU).
    """

    name: str
    op: str
    window: Window2d
    relu: bool = False
    skip_from: None = None

    def __post_init__(self) -> None:
        if self.op not in ("max", "avg"):
            raise ModelImportError(f"pooling must be 'max' or 'avg', got {self.op!r}",
                                   node=self.name)
        if self.op == "max" and self.relu:
            raise ModelImportError("a max pooling carries no ReLU; put it on the layer before",
                                   node=self.name)

    @property
    def kind(self) -> str:
        """``"maxpool"`` or ``"avgpool"``."""
        return f"{self.op}pool"

    def out_channels(self) -> int:
        """Channels of the output map."""
        return self.window.in_shape[0]

    @property
    def num_parameters(self) -> int:
        """Pooling has no parameters."""
        return 0

    def weight_max(self) -> float | None:
        """Average: the weight ``1 / (kh kw)``; max: ``None`` (the scale passes through)."""
        return 1.0 / self.window.taps if self.op == "avg" else None

    def preactivation(self, x: FloatArray) -> FloatArray:
        """The pooled maps for a batch ``[batch, in_dim]``, flat ``[batch, out]``."""
        return pool2d(x, self.op, self.window)


#: A float layer of any kind.
FloatLayer = DenseLayer | ConvLayer | PoolLayer


def _check_finite(name: str, weight: FloatArray, bias: FloatArray) -> None:
    for label, array in (("weight", weight), ("bias", bias)):
        if not np.isfinite(array).all():
            raise ModelImportError(f"{label} contains NaN or infinity", node=name)


@dataclass(frozen=True, eq=False)
class FloatModel:
    """A float network: a chain of layers from one input to one output vector, where a layer
    may add the activation entering an earlier layer (a residual connection).

    Attributes:
        input_name: Name of the ONNX graph input.
        output_name: Name of the ONNX graph output.
        input_dim: Length of the (flattened) input.
        opset: The model's opset version for the default ONNX domain.
        layers: The layers, first to last.
        heads: The model's outputs as functions of the logits (:mod:`folding.heads`):
            empty when the logits are the one output.
    """

    input_name: str
    output_name: str
    input_dim: int
    opset: int
    layers: tuple[FloatLayer, ...]
    heads: Heads = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ModelImportError("the model has no layers", node=self.output_name)
        check_chain(self.input_dim, self.layers, ModelImportError)

    @property
    def output_dim(self) -> int:
        """Length of the output (logit) vector."""
        return self.layers[-1].out_dim

    @property
    def num_parameters(self) -> int:
        """Total number of weights and biases."""
        return sum(layer.num_parameters for layer in self.layers)

    def forward_preactivations(self, x: npt.ArrayLike) -> list[FloatArray]:
        """Runs the float model and returns every layer's output before its ReLU (after its
        residual addition).

        Args:
            x: One input ``[input_dim]`` or a batch ``[batch, input_dim]``.

        Returns:
            One float64 array per layer, shaped ``[out]`` or ``[batch, out]`` like ``x``.

        Raises:
            InputError: If ``x`` has the wrong shape or contains NaN or infinity.
        """
        batch, single = as_batch(x, self.input_dim, "input")
        try:
            activation = batch.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"input is not numeric: {exc}") from exc
        if not np.isfinite(activation).all():
            raise InputError("input contains NaN or infinity")
        entering: list[FloatArray] = []
        preactivations: list[FloatArray] = []
        for layer in self.layers:
            entering.append(activation)
            pre = layer.preactivation(activation)
            if layer.skip_from is not None:
                pre = pre + entering[layer.skip_from]
            preactivations.append(pre[0] if single else pre)
            activation = np.maximum(pre, 0.0) if layer.relu else pre
        return preactivations

    def forward(self, x: npt.ArrayLike) -> FloatArray:
        """Runs the float model.

        Args:
            x: One input ``[input_dim]`` or a batch ``[batch, input_dim]``.

        Returns:
            The logits, float64, shaped ``[output_dim]`` or ``[batch, output_dim]``.

        Raises:
            InputError: If ``x`` has the wrong shape or contains NaN or infinity.
        """
        last = self.forward_preactivations(x)[-1]
        return np.maximum(last, 0.0) if self.layers[-1].relu else last


def check_chain(input_dim: int, layers: Sequence[Any],
                error: type[ModelImportError | QuantizationError]) -> None:
    """Checks that every layer takes what the one before gives, and every residual adds an
    activation of the layer's own output shape.

    Shapes must agree exactly between two feature maps; a vector layer takes any map of its
    width (the flattening is free, see :mod:`folding.geometry`).
    """
    def fail(index: int, message: str) -> None:
        name = layers[index].name
        if error is ModelImportError:
            raise ModelImportError(message, node=name)
        raise error(f"layer {index} ({name!r}): {message}")

    entering: list[tuple[int, ...]] = []
    shape: tuple[int, ...] = (input_dim,)
    for index, layer in enumerate(layers):
        if layer.in_dim != math.prod(shape):
            fail(index, f"layer expects {layer.in_dim} inputs but receives {math.prod(shape)}")
        if len(layer.in_shape) == 3 and len(shape) == 3 and layer.in_shape != shape:
            fail(index, f"layer expects a {list(layer.in_shape)} map but receives "
                        f"{list(shape)}")
        entering.append(shape if len(layer.in_shape) == 1 or len(shape) == 3 else
                        layer.in_shape)
        skip = layer.skip_from
        if skip is not None:
            if isinstance(skip, bool) or not isinstance(skip, int) or not 0 <= skip <= index:
                fail(index, f"residual source {skip!r} is not a layer at or before {index}")
            source = entering[skip]
            if math.prod(source) != layer.out_dim or (
                    len(source) == 3 and len(layer.out_shape) == 3
                    and source != layer.out_shape):
                fail(index, f"the residual adds a {list(source)} activation to a "
                            f"{list(layer.out_shape)} output")
        shape = layer.out_shape
