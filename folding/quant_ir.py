"""The integer model produced by quantization: fixed-point settings, integer dense,
convolution and pooling layers, and their (de)serialization in the compiled-model artefact.

Like the float IR (:mod:`folding.ir`), models are immutable and compared by identity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from folding.errors import ArtefactError, InputError, QuantizationError, RangeError
from folding.geometry import Window2d, conv2d, exact_matmul
from folding.heads import Heads, heads_from_list, heads_to_list
from folding.ir import (
    FloatArray,
    IntArray,
    MapShapes,
    as_batch,
    check_chain,
    frozen_array,
)

if TYPE_CHECKING:  # pragma: no cover
    from folding.quantize import QuantReport

#: The bound on any accumulator ``|W x + b|``: int64 arithmetic in the reference is exact
#: below 2^63, and the margin of one bit leaves room for the rounding offset in the bias.
ACCUMULATOR_LIMIT = 1 << 62


@dataclass(frozen=True)
class QuantSettings:
    """The fixed-point settings shared by every layer (see docs/ARCHITECTURE.md).

    Attributes:
        act_bits: Signed activation width ``a``: activations lie in ``[-2^(a-1), 2^(a-1))``.
        weight_bits: Signed weight width ``w``: ``|W| < 2^(w-1)``.
        shift: The rescale ``s``: ``y = floor(acc / 2^s)``. Keyword-only and without a
            default: it depends on the model (:func:`folding.quantize.quantize` picks one).

    Raises:
        QuantizationError: If a value is not an integer in its range (``4 <= act_bits <= 24``,
            ``2 <= weight_bits <= 16``, ``0 <= shift <= 32``).
    """

    act_bits: int = 16
    weight_bits: int = 8
    shift: int = field(kw_only=True)

    def __post_init__(self) -> None:
        for name, value, lo, hi in (
            ("act_bits", self.act_bits, 4, 24),
            ("weight_bits", self.weight_bits, 2, 16),
            ("shift", self.shift, 0, 32),
        ):
            # bool is an int subclass; a True bit width is a caller bug, not 1.
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise QuantizationError(f"{name} must be an integer, got {value!r}")
            if not lo <= value <= hi:
                raise QuantizationError(f"{name} = {value} is outside [{lo}, {hi}]")
            object.__setattr__(self, name, int(value))

    @property
    def act_bounds(self) -> tuple[int, int]:
        """The half-open activation range ``(lo, hi)``."""
        half = 1 << (self.act_bits - 1)
        return -half, half

    @property
    def weight_limit(self) -> int:
        """The largest allowed ``|W|``: ``2^(w-1) - 1``."""
        return (1 << (self.weight_bits - 1)) - 1

    def to_dict(self) -> dict[str, int]:
        """Returns the settings as a JSON-able dict."""
        return {"act_bits": self.act_bits, "weight_bits": self.weight_bits, "shift": self.shift}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantSettings:
        """Inverse of :meth:`to_dict`.

        Raises:
            ArtefactError: If a field is missing.
            QuantizationError: If a value is out of range.
        """
        try:
            return cls(act_bits=data["act_bits"], weight_bits=data["weight_bits"],
                       shift=data["shift"])
        except (KeyError, TypeError) as exc:
            raise ArtefactError(f"quantization settings: missing or bad field {exc}") from exc


def _int_array(name: str, label: str, values: Any) -> IntArray:
    """A frozen int64 copy of integer ``values``, refusing floats and wrapping unsigned."""
    raw = np.asarray(values)
    # Unsigned values above int64's maximum would wrap silently in the cast.
    if raw.dtype.kind not in "iu" or (
        raw.dtype.kind == "u" and raw.size and int(raw.max()) > np.iinfo(np.int64).max
    ):
        raise QuantizationError(
            f"layer {name!r}: {label} must be int64-representable integers, got dtype {raw.dtype}"
        )
    array: IntArray = frozen_array(raw, np.int64)
    return array


def _int_scalar(name: str, label: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise QuantizationError(f"layer {name!r}: {label} must be an integer, got {value!r}")
    return int(value)


@dataclass(frozen=True, eq=False)
class QuantLayer:
    """One integer dense layer (see the arithmetic in docs/ARCHITECTURE.md).

    Attributes:
        name: The layer's name (the ONNX node it came from).
        weight: int64 array ``[out, in]``.
        bias: int64 array ``[out]``.
        relu: Whether ReLU follows the rescale.
        skip_from: Residual source layer (see :class:`ConvLayer`), or ``None``.
        skip_mult: The residual's integer multiplier: ``acc += skip_mult * x_skip``.
    """

    name: str
    weight: IntArray
    bias: IntArray
    relu: bool
    skip_from: int | None = None
    skip_mult: int = 0

    kind = "dense"

    def __post_init__(self) -> None:
        weight = _int_array(self.name, "weight", self.weight)
        bias = _int_array(self.name, "bias", self.bias)
        if weight.ndim != 2 or 0 in weight.shape:
            raise QuantizationError(
                f"layer {self.name!r}: weight must be a non-empty [out, in] matrix, "
                f"got shape {weight.shape}"
            )
        if bias.shape != (weight.shape[0],):
            raise QuantizationError(
                f"layer {self.name!r}: bias shape {bias.shape} does not match "
                f"{weight.shape[0]} outputs"
            )
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "skip_mult", _int_scalar(self.name, "skip_mult",
                                                          self.skip_mult))

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
        """A vector."""
        return (self.in_dim,)

    @property
    def out_shape(self) -> tuple[int, ...]:
        """A vector."""
        return (self.out_dim,)

    def fan_in_abs(self) -> IntArray:
        """``sum |W|`` over the inputs of each output (the accumulator's growth)."""
        result: IntArray = np.abs(self.weight).sum(axis=1)
        return result

    def accumulate(self, x: IntArray) -> IntArray:
        """``W x + b`` for a batch ``[batch, in]``, exact."""
        result: IntArray = exact_matmul(x, self.weight.T) + self.bias
        return result


@dataclass(frozen=True, eq=False)
class QuantConvLayer(MapShapes):
    """One integer 2-D convolution: ``acc = conv(W, x) + b`` (+ ``skip_mult * x_skip``), then
    the rescale, range check and ReLU of every layer.

    Attributes:
        name: The layer's name.
        weight: int64 ``[out_channels, in_channels, kh, kw]``.
        bias: int64 ``[out_channels]``.
        window: The geometry.
        relu: Whether ReLU follows.
        skip_from: Residual source layer, or ``None``.
        skip_mult: The residual's integer multiplier.
    """

    name: str
    weight: IntArray
    bias: IntArray
    window: Window2d
    relu: bool
    skip_from: int | None = None
    skip_mult: int = 0

    kind = "conv"

    def __post_init__(self) -> None:
        weight = _int_array(self.name, "weight", self.weight)
        bias = _int_array(self.name, "bias", self.bias)
        if (weight.ndim != 4 or 0 in weight.shape
                or weight.shape[1] != self.window.in_shape[0]
                or weight.shape[2:] != self.window.kernel):
            raise QuantizationError(
                f"layer {self.name!r}: weight shape {weight.shape} does not match "
                f"{self.window.in_shape[0]} input channels and kernel {list(self.window.kernel)}")
        if bias.shape != (weight.shape[0],):
            raise QuantizationError(
                f"layer {self.name!r}: bias shape {bias.shape} does not match "
                f"{weight.shape[0]} output channels")
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "skip_mult", _int_scalar(self.name, "skip_mult",
                                                          self.skip_mult))

    def out_channels(self) -> int:
        """Channels of the output map."""
        return int(self.weight.shape[0])

    def fan_in_abs(self) -> IntArray:
        """``sum |W|`` over each output channel's kernel (an upper bound at the borders)."""
        result: IntArray = np.abs(self.weight).reshape(self.weight.shape[0], -1).sum(axis=1)
        return result

    def accumulate(self, x: IntArray) -> IntArray:
        """The convolution plus bias for a batch, flat ``[batch, out]``, exact in int64."""
        return conv2d(x, self.weight, self.bias, self.window)


@dataclass(frozen=True, eq=False)
class QuantPoolLayer(MapShapes):
    """One integer pooling.

    - ``op="max"``: ``out = max`` over the window (of in-range inputs, so no rescale and no
      range check); no parameters.
    - ``op="avg"``: ``acc = mult * sum(window) + bias``, then the rescale, range check and
      ReLU of every layer (``mult`` approximates ``2^s sigma_out / (sigma_in kh kw)``; padding
      counts as zeros).

    Attributes:
        name: The layer's name.
        op: ``"max"`` or ``"avg"``.
        window: The geometry.
        mult: Average: the multiplier (0 for max).
        bias: Average: the bias, with the rounding offset (0 for max).
        relu: Average only: whether ReLU follows.
    """

    name: str
    op: str
    window: Window2d
    mult: int = 0
    bias: int = 0
    relu: bool = False
    skip_from: None = None
    skip_mult: int = 0

    def __post_init__(self) -> None:
        if self.op not in ("max", "avg"):
            raise QuantizationError(f"layer {self.name!r}: pooling must be 'max' or 'avg'")
        object.__setattr__(self, "mult", _int_scalar(self.name, "mult", self.mult))
        object.__setattr__(self, "bias", _int_scalar(self.name, "bias", self.bias))
        if self.op == "max" and (self.mult or self.bias or self.relu):
            raise QuantizationError(
                f"layer {self.name!r}: a max pooling has no multiplier, bias or ReLU")

    @property
    def kind(self) -> str:
        """``"maxpool"`` or ``"avgpool"``."""
        return f"{self.op}pool"

    def out_channels(self) -> int:
        """Channels of the output map."""
        return self.window.in_shape[0]

    def fan_in_abs(self) -> IntArray:
        """``taps * |mult|`` (average pooling)."""
        return np.array([self.window.taps * abs(self.mult)], dtype=np.int64)

    def accumulate(self, x: IntArray) -> IntArray:
        """Average pooling: ``mult * sum(window) + bias`` for a batch, exact in int64."""
        sums = self.window.patches(x).sum(axis=(4, 5))
        acc = sums.transpose(0, 3, 1, 2).reshape(x.shape[0], -1) * self.mult + self.bias
        result: IntArray = np.ascontiguousarray(acc)
        return result


#: An integer layer of any kind.
QuantAnyLayer = QuantLayer | QuantConvLayer | QuantPoolLayer


def _check_layer_fits(index: int, layer: QuantAnyLayer, settings: QuantSettings) -> None:
    """Checks the weight range and the int64 safety of every accumulator of one layer."""
    where = f"layer {index} ({layer.name!r})"
    limit = settings.weight_limit
    if isinstance(layer, QuantPoolLayer):
        weights = np.array([layer.mult], dtype=np.int64)
        biases = np.array([layer.bias], dtype=np.int64)
    else:
        weights, biases = layer.weight, layer.bias
    # Compared directly rather than through np.abs, which overflows on int64's minimum.
    if ((weights > limit) | (weights < -limit)).any() or abs(layer.skip_mult) > limit:
        raise QuantizationError(
            f"{where}: a weight exceeds the {settings.weight_bits}-bit limit |W| <= {limit}"
        )
    if layer.skip_from is None and layer.skip_mult:
        raise QuantizationError(f"{where}: a residual multiplier without a residual source")
    # |b| is checked first so that np.abs cannot overflow on int64's minimum.
    if ((biases >= ACCUMULATOR_LIMIT) | (biases <= -ACCUMULATOR_LIMIT)).any():
        raise QuantizationError(f"{where}: a bias reaches 2^62")
    if isinstance(layer, QuantPoolLayer) and layer.op == "max":
        return
    # |acc_j| <= (sum_i |W_ji| + |skip_mult|) * 2^(a-1) + |b_j| must stay below 2^62.
    # Rearranged so that no product is formed: sum_i |W_ji| + |skip_mult| <=
    # floor((2^62 - |b_j| - 1) / 2^(a-1)). The sums are below 2^15 * 2^47, far from overflow.
    row_sums = layer.fan_in_abs() + abs(layer.skip_mult)
    budget = (ACCUMULATOR_LIMIT - 1 - np.abs(biases)) >> (settings.act_bits - 1)
    over = row_sums > budget
    if over.any():
        neuron = int(np.argmax(over))
        raise QuantizationError(
            f"{where}: the worst-case accumulator of neuron {neuron} reaches 2^62 "
            f"(sum |W| = {int(row_sums[neuron])}, |b| = {abs(int(biases.flat[neuron]))}, "
            f"act_bits = {settings.act_bits}); lower weight_bits, act_bits or shift"
        )


@dataclass(frozen=True, eq=False)
class QuantizedModel:
    """An integer network: the exact computation that is proven.

    Attributes:
        settings: The fixed-point settings.
        layers: The integer dense layers, first to last.
        input_scale: ``sigma_0``: the integer input is ``round(x * input_scale)``.
        output_scale: ``sigma_L``: the logits are about ``y_q / output_scale``.
        layer_scales: ``sigma_l`` of every layer's output (the last equals ``output_scale``).
        report: The calibration report from :func:`folding.quantize.quantize`, when the model
            was made by it (not serialized; ``None`` after :meth:`from_dict`).
        heads: The model's outputs as functions of the logits (:mod:`folding.heads`),
            applied by whoever reads a proof, like the scales; not proven.
    """

    settings: QuantSettings
    layers: tuple[QuantAnyLayer, ...]
    input_scale: float
    output_scale: float
    layer_scales: tuple[float, ...]
    report: QuantReport | None = field(default=None, repr=False)
    heads: Heads = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "layer_scales", tuple(float(s) for s in self.layer_scales))
        object.__setattr__(self, "input_scale", float(self.input_scale))
        object.__setattr__(self, "output_scale", float(self.output_scale))
        if not self.layers:
            raise QuantizationError("the model has no layers")
        if len(self.layer_scales) != len(self.layers):
            raise QuantizationError(
                f"{len(self.layer_scales)} layer scales for {len(self.layers)} layers"
            )
        for label, scale in (("input_scale", self.input_scale),
                             ("output_scale", self.output_scale)):
            if not (np.isfinite(scale) and scale > 0):
                raise QuantizationError(f"{label} must be finite and positive, got {scale}")
        for index, scale in enumerate(self.layer_scales):
            if not (np.isfinite(scale) and scale > 0):
                raise QuantizationError(f"layer {index}: scale must be finite and positive")
        if self.layer_scales[-1] != self.output_scale:
            raise QuantizationError("output_scale must equal the last layer scale")
        check_chain(self.layers[0].in_dim, self.layers, QuantizationError)
        for index, layer in enumerate(self.layers):
            _check_layer_fits(index, layer, self.settings)

    @property
    def input_dim(self) -> int:
        """Length of the input vector."""
        return self.layers[0].in_dim

    @property
    def output_dim(self) -> int:
        """Length of the output vector."""
        return self.layers[-1].out_dim

    def quantize_input(self, x: npt.ArrayLike) -> IntArray:
        """Converts a float input to the integer input ``round(x * input_scale)``.

        Rounding is to nearest, ties to even (``numpy.rint``).

        Args:
            x: One input ``[input_dim]`` or a batch ``[batch, input_dim]``.

        Returns:
            int64 array of the same shape.

        Raises:
            InputError: If ``x`` has the wrong shape or is not finite.
            RangeError: If an element leaves ``[-2^(a-1), 2^(a-1))`` (``layer=None``,
                ``neuron`` = the element's index in the input vector).
        """
        batch, single = as_batch(x, self.input_dim, "input")
        try:
            values = batch.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"input is not numeric: {exc}") from exc
        if not np.isfinite(values).all():
            element = int(np.argmax(~np.isfinite(values)) % self.input_dim)
            raise InputError(f"input element {element} is NaN or infinite")
        with np.errstate(over="ignore"):
            scaled = np.rint(values * self.input_scale)
        lo, hi = self.settings.act_bounds
        # The bounds are powers of two, exact in float64, so this check is exact; it runs
        # before the cast because casting an out-of-range float to int64 is undefined.
        bad = ~((scaled >= lo) & (scaled < hi))
        if bad.any():
            flat = int(np.argmax(bad))
            element = flat % self.input_dim
            value = float(scaled.flat[flat])
            if not abs(value) < 2.0**63:
                raise InputError(
                    f"input element {element} overflows when scaled: "
                    f"{float(values.flat[flat]):.3g} * {self.input_scale:.6g} is far outside "
                    f"[{lo}, {hi})"
                )
            raise RangeError(layer=None, layer_name=None, neuron=element, value=int(value),
                             bounds=(lo, hi))
        result: IntArray = scaled.astype(np.int64)
        return result[0] if single else result

    def dequantize_output(self, y_q: npt.ArrayLike) -> FloatArray:
        """Converts integer logits back to floats: ``y_q / output_scale``."""
        result: FloatArray = np.asarray(y_q, dtype=np.float64) / self.output_scale
        return result

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON-able metadata of the model, without the weight arrays.

        The arrays are :func:`layer_arrays` of each layer; the caller stores them and passes
        them back to :meth:`from_dict`.
        """
        data: dict[str, Any] = {
            "settings": self.settings.to_dict(),
            "input_scale": self.input_scale,
            "output_scale": self.output_scale,
            "layer_scales": list(self.layer_scales),
            "layers": [_layer_entry(layer) for layer in self.layers],
        }
        if self.heads:  # absent, as in files written before heads existed, when there are none
            data["heads"] = heads_to_list(self.heads)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any],
                  arrays: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]]) -> QuantizedModel:
        """Rebuilds a model from :meth:`to_dict` metadata and its ``(weight, bias)`` arrays.

        Raises:
            ArtefactError: If the metadata is malformed or does not match the arrays.
            QuantizationError: If the values violate the fixed-point settings.
        """
        try:
            settings = QuantSettings.from_dict(data["settings"])
            entries = list(data["layers"])
            if len(entries) != len(arrays):
                raise ArtefactError(
                    f"{len(entries)} layers in the metadata but {len(arrays)} weight arrays"
                )
            layers = [_layer_from_entry(index, entry, weight, bias)
                      for index, (entry, (weight, bias)) in enumerate(
                          zip(entries, arrays, strict=True))]
            return cls(settings=settings, layers=tuple(layers),
                       input_scale=float(data["input_scale"]),
                       output_scale=float(data["output_scale"]),
                       layer_scales=tuple(float(s) for s in data["layer_scales"]),
                       heads=heads_from_list(data.get("heads"), "quantized model"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtefactError(f"quantized model metadata: missing or bad field {exc}") from exc


def layer_arrays(layer: QuantAnyLayer) -> tuple[IntArray, IntArray]:
    """The ``(weight, bias)`` arrays an artefact stores for a layer (empty for pooling,
    whose two integers live in the metadata)."""
    if isinstance(layer, QuantPoolLayer):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return layer.weight, layer.bias


def layer_array_shapes(entry: Mapping[str, Any]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shapes of :func:`layer_arrays` from a layer's metadata entry.

    Raises:
        ArtefactError: If the entry is malformed.
    """
    try:
        kind = entry.get("kind", "dense")
        if kind == "dense":
            return (int(entry["out_dim"]), int(entry["in_dim"])), (int(entry["out_dim"]),)
        if kind == "conv":
            window = Window2d.from_dict(entry["window"])
            channels = int(entry["out_channels"])
            if channels <= 0:
                raise ValueError(f"out_channels {channels}")
            return (channels, window.in_shape[0], *window.kernel), (channels,)
        if kind in ("maxpool", "avgpool"):
            return (0,), (0,)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ArtefactError(f"layer metadata: missing or bad field {exc}") from exc
    raise ArtefactError(f"layer metadata: unknown kind {kind!r}")


def _layer_entry(layer: QuantAnyLayer) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": layer.name, "kind": layer.kind, "relu": layer.relu,
                             "in_dim": layer.in_dim, "out_dim": layer.out_dim}
    if layer.skip_from is not None:
        entry["skip_from"] = layer.skip_from
        entry["skip_mult"] = layer.skip_mult
    if isinstance(layer, QuantConvLayer):
        entry["window"] = layer.window.to_dict()
        entry["out_channels"] = int(layer.weight.shape[0])
    elif isinstance(layer, QuantPoolLayer):
        entry["window"] = layer.window.to_dict()
        entry["mult"] = layer.mult
        entry["bias"] = layer.bias
    return entry


def _layer_from_entry(index: int, entry: Mapping[str, Any], weight: npt.ArrayLike,
                      bias: npt.ArrayLike) -> QuantAnyLayer:
    kind = entry.get("kind", "dense")
    name = str(entry["name"])
    raw_skip = entry.get("skip_from")
    skip_from = None if raw_skip is None else int(raw_skip)
    skip_mult = int(entry.get("skip_mult", 0))
    layer: QuantAnyLayer
    if kind == "dense":
        layer = QuantLayer(name=name, weight=np.asarray(weight), bias=np.asarray(bias),
                           relu=bool(entry["relu"]), skip_from=skip_from,
                           skip_mult=skip_mult)
    elif kind == "conv":
        layer = QuantConvLayer(name=name, weight=np.asarray(weight), bias=np.asarray(bias),
                               window=Window2d.from_dict(entry["window"]),
                               relu=bool(entry["relu"]), skip_from=skip_from,
                           skip_mult=skip_mult)
    elif kind in ("maxpool", "avgpool"):
        layer = QuantPoolLayer(name=name, op=kind[:3], window=Window2d.from_dict(entry["window"]),
                               mult=int(entry["mult"]), bias=int(entry["bias"]),
                               relu=bool(entry["relu"]))
    else:
        raise ArtefactError(f"layer {index} ({name!r}): unknown kind {kind!r}")
    if (layer.in_dim, layer.out_dim) != (entry["in_dim"], entry["out_dim"]):
        raise ArtefactError(
            f"layer {index} ({name!r}): arrays are {layer.in_dim}->{layer.out_dim}, "
            f"metadata says {entry['in_dim']}->{entry['out_dim']}"
        )
    return layer
