"""Layer IR: the float model produced by ONNX import and the integer model produced by
quantization.

Both models are immutable chains of dense layers. Arrays are copied on construction, stored
with a fixed dtype (float64 for the float IR, int64 for the integer IR) and made read-only, so
a model can be shared between threads and cached without defensive copies.

The dataclasses use identity equality (``eq=False``): element-wise NumPy comparisons have no
single truth value, and two models are compared by their artefact digests, not with ``==``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from folding.errors import (
    ArtefactError,
    InputError,
    ModelImportError,
    QuantizationError,
    RangeError,
)

if TYPE_CHECKING:  # pragma: no cover
    from folding.quantize import QuantReport

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The bound on any accumulator ``|W x + b|``: int64 arithmetic in the reference is exact
#: below 2^63, and the margin of one bit leaves room for the rounding offset in the bias.
ACCUMULATOR_LIMIT = 1 << 62


def _frozen_array(values: Any, dtype: type[np.generic]) -> Any:
    """Returns a read-only C-contiguous copy of ``values`` with ``dtype``."""
    array = np.array(values, dtype=dtype, copy=True, order="C")
    array.setflags(write=False)
    return array


def _as_batch(x: Any, width: int, what: str) -> tuple[npt.NDArray[Any], bool]:
    """Views ``x`` as ``[batch, width]``; returns the view and whether ``x`` was one vector."""
    array = np.asarray(x)
    if array.ndim == 1 and array.shape[0] == width:
        return array.reshape(1, width), True
    if array.ndim == 2 and array.shape[1] == width:
        return array, False
    raise InputError(
        f"{what} has shape {tuple(array.shape)}; expected ({width},) or (batch, {width})"
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

    def __post_init__(self) -> None:
        weight = _frozen_array(self.weight, np.float64)
        bias = _frozen_array(self.bias, np.float64)
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
        for label, array in (("weight", weight), ("bias", bias)):
            if not np.isfinite(array).all():
                raise ModelImportError(f"{label} contains NaN or infinity", node=self.name)
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
    def num_parameters(self) -> int:
        """Weights plus biases."""
        return int(self.weight.size + self.bias.size)


@dataclass(frozen=True, eq=False)
class FloatModel:
    """A float network: a chain of dense layers from one input vector to one output vector.

    Attributes:
        input_name: Name of the ONNX graph input.
        output_name: Name of the ONNX graph output.
        input_dim: Length of the (flattened) input vector.
        opset: The model's opset version for the default ONNX domain.
        layers: The dense layers, first to last.
    """

    input_name: str
    output_name: str
    input_dim: int
    opset: int
    layers: tuple[DenseLayer, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ModelImportError("the model has no dense layers", node=self.output_name)
        width = self.input_dim
        for layer in self.layers:
            if layer.in_dim != width:
                raise ModelImportError(
                    f"layer expects {layer.in_dim} inputs but receives {width}", node=layer.name
                )
            width = layer.out_dim

    @property
    def output_dim(self) -> int:
        """Length of the output (logit) vector."""
        return self.layers[-1].out_dim

    @property
    def num_parameters(self) -> int:
        """Total number of weights and biases."""
        return sum(layer.num_parameters for layer in self.layers)

    def forward_preactivations(self, x: npt.ArrayLike) -> list[FloatArray]:
        """Runs the float model and returns every layer's output before its ReLU.

        Args:
            x: One input ``[input_dim]`` or a batch ``[batch, input_dim]``.

        Returns:
            One float64 array per layer, shaped ``[out]`` or ``[batch, out]`` like ``x``.

        Raises:
            InputError: If ``x`` has the wrong shape or contains NaN or infinity.
        """
        batch, single = _as_batch(x, self.input_dim, "input")
        try:
            activation = batch.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"input is not numeric: {exc}") from exc
        if not np.isfinite(activation).all():
            raise InputError("input contains NaN or infinity")
        preactivations: list[FloatArray] = []
        for layer in self.layers:
            pre = activation @ layer.weight.T + layer.bias
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


# --------------------------------------------------------------------------------------------
# Integer IR
# --------------------------------------------------------------------------------------------


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


@dataclass(frozen=True, eq=False)
class QuantLayer:
    """One integer dense layer (see the arithmetic in docs/ARCHITECTURE.md).

    Attributes:
        name: The layer's name (the ONNX node it came from).
        weight: int64 array ``[out, in]``.
        bias: int64 array ``[out]``.
        relu: Whether ReLU follows the rescale.
    """

    name: str
    weight: IntArray
    bias: IntArray
    relu: bool

    def __post_init__(self) -> None:
        for label in ("weight", "bias"):
            raw = np.asarray(getattr(self, label))
            # Unsigned values above int64's maximum would wrap silently in the cast below.
            if raw.dtype.kind not in "iu" or (
                raw.dtype.kind == "u" and raw.size and int(raw.max()) > np.iinfo(np.int64).max
            ):
                raise QuantizationError(
                    f"layer {self.name!r}: {label} must be int64-representable integers, "
                    f"got dtype {raw.dtype}"
                )
        weight = _frozen_array(self.weight, np.int64)
        bias = _frozen_array(self.bias, np.int64)
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

    @property
    def in_dim(self) -> int:
        """Number of inputs."""
        return int(self.weight.shape[1])

    @property
    def out_dim(self) -> int:
        """Number of outputs."""
        return int(self.weight.shape[0])


def _check_layer_fits(index: int, layer: QuantLayer, settings: QuantSettings) -> None:
    """Checks the weight range and the int64 safety of every accumulator of one layer."""
    where = f"layer {index} ({layer.name!r})"
    limit = settings.weight_limit
    # Compared directly rather than through np.abs, which overflows on int64's minimum.
    if ((layer.weight > limit) | (layer.weight < -limit)).any():
        raise QuantizationError(
            f"{where}: a weight exceeds the {settings.weight_bits}-bit limit |W| <= {limit}"
        )
    # |b| is checked first so that np.abs cannot overflow on int64's minimum.
    if ((layer.bias >= ACCUMULATOR_LIMIT) | (layer.bias <= -ACCUMULATOR_LIMIT)).any():
        raise QuantizationError(f"{where}: a bias reaches 2^62")
    # |acc_j| <= sum_i |W_ji| * 2^(a-1) + |b_j| must stay below 2^62. Rearranged so that no
    # product is formed: sum_i |W_ji| <= floor((2^62 - |b_j| - 1) / 2^(a-1)). The row sums
    # are below 2^15 * 2^47, far from int64 overflow.
    row_sums = np.abs(layer.weight).sum(axis=1)
    budget = (ACCUMULATOR_LIMIT - 1 - np.abs(layer.bias)) >> (settings.act_bits - 1)
    over = row_sums > budget
    if over.any():
        neuron = int(np.argmax(over))
        raise QuantizationError(
            f"{where}: the worst-case accumulator of neuron {neuron} reaches 2^62 "
            f"(sum |W| = {int(row_sums[neuron])}, |b| = {abs(int(layer.bias[neuron]))}, "
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
    """

    settings: QuantSettings
    layers: tuple[QuantLayer, ...]
    input_scale: float
    output_scale: float
    layer_scales: tuple[float, ...]
    report: QuantReport | None = field(default=None, repr=False)

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
        width = self.layers[0].in_dim
        for index, layer in enumerate(self.layers):
            if layer.in_dim != width:
                raise QuantizationError(
                    f"layer {index} ({layer.name!r}) expects {layer.in_dim} inputs but "
                    f"receives {width}"
                )
            _check_layer_fits(index, layer, self.settings)
            width = layer.out_dim

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
        batch, single = _as_batch(x, self.input_dim, "input")
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

        The arrays are ``[(layer.weight, layer.bias) for layer in model.layers]``; the
        caller stores them and passes them back to :meth:`from_dict`.
        """
        return {
            "settings": self.settings.to_dict(),
            "input_scale": self.input_scale,
            "output_scale": self.output_scale,
            "layer_scales": list(self.layer_scales),
            "layers": [
                {"name": layer.name, "relu": layer.relu, "in_dim": layer.in_dim,
                 "out_dim": layer.out_dim}
                for layer in self.layers
            ],
        }

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
            layers = []
            for index, (entry, (weight, bias)) in enumerate(zip(entries, arrays, strict=True)):
                layer = QuantLayer(name=str(entry["name"]), weight=np.asarray(weight),
                                   bias=np.asarray(bias), relu=bool(entry["relu"]))
                if (layer.in_dim, layer.out_dim) != (entry["in_dim"], entry["out_dim"]):
                    raise ArtefactError(
                        f"layer {index} ({layer.name!r}): arrays are {layer.in_dim}->"
                        f"{layer.out_dim}, metadata says {entry['in_dim']}->{entry['out_dim']}"
                    )
                layers.append(layer)
            return cls(settings=settings, layers=tuple(layers),
                       input_scale=float(data["input_scale"]),
                       output_scale=float(data["output_scale"]),
                       layer_scales=tuple(float(s) for s in data["layer_scales"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtefactError(f"quantized model metadata: missing or bad field {exc}") from exc
