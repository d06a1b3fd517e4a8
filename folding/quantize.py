"""Calibration: choosing the fixed-point scales of a float model, and an accuracy report.

The scheme is the one in docs/ARCHITECTURE.md ("Quantization"): every layer ``l`` gets a real
activation scale ``sigma_l`` (``sigma_0`` for the input) and is quantized as::

    W_q = round(W * 2^s * sigma_l / sigma_{l-1})
    b_q = round(b * 2^s * sigma_l) + 2^(s-1)        (the last term only when s >= 1)

``round`` is NumPy's ``rint`` (to nearest, ties to even). The ``+ 2^(s-1)`` departs from the
formula in docs/ARCHITECTURE.md on purpose: it turns the circuit's ``floor(acc / 2^s)`` into
round-to-nearest. Without it every layer's output is half a unit low on average, a systematic
error that adds up coherently down a deep stack; on narrow 32- and 64-layer MLPs with scales
lowered to fit the weights it more than doubled the logit error. It is part of the bias, so the
integer arithmetic (the specification) is unchanged.

Scales:

* ``A_l`` is ``max |pre-activation of layer l|`` of the float model on the calibration data,
  ``A_0 = max |input|``. A zero (degenerate) range counts as 1.0, so no scale divides by zero.
* The target is ``t_l = headroom * (2^(a-1) - 1) / A_l``: the calibration maximum lands at
  ``headroom`` of the activation range (the rest is margin for unseen inputs).
* Weights must fit: ``max |W_q| <= 2^(w-1) - 1``, i.e.
  ``sigma_l <= (2^(w-1) - 1) * sigma_{l-1} / (max |W_l| * 2^s)``. So
  ``sigma_l = min(t_l, that limit)``, computed first layer to last so that a lowered scale
  propagates into the next layer's limit.

The default shift (``shift=None``) is chosen by :func:`choose_shift`.

Calibration data defaults to :func:`default_calibration`: 64 standard-normal samples of the
input dimension from a NumPy generator seeded with ``DEFAULT_CALIBRATION_SEED``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from folding.errors import InputError, QuantizationError, RangeError
from folding.ir import ConvLayer, FloatArray, FloatModel, PoolLayer
from folding.quant_ir import (
    QuantAnyLayer,
    QuantConvLayer,
    QuantizedModel,
    QuantLayer,
    QuantPoolLayer,
    QuantSettings,
)
from folding.reference import preactivations_int

if TYPE_CHECKING:
    from folding.precision import PrecisionChoice

__all__ = [
    "DEFAULT_CALIBRATION_SAMPLES",
    "DEFAULT_CALIBRATION_SEED",
    "LayerQuantInfo",
    "QuantReport",
    "choose_shift",
    "default_calibration",
    "quantize",
]

DEFAULT_CALIBRATION_SAMPLES = 64
#: Arbitrary, but distinct from the small seeds users and test builders pass to their own
#: generators (a calibration set equal to a weight matrix's rows would be badly skewed).
DEFAULT_CALIBRATION_SEED = 0xCA11B
MIN_DEFAULT_SHIFT = 1
#: The headroom :func:`quantize` starts at, and the lowest it lowers it to by itself.
DEFAULT_HEADROOM = 0.5
MIN_AUTO_HEADROOM = 1 / 64
MAX_DEFAULT_SHIFT = 30

#: A float bias times ``2^s * sigma`` must stay below this before it is cast to int64.
_BIAS_FLOAT_LIMIT = float(1 << 62)


@dataclass(frozen=True)
class LayerQuantInfo:
    """How one layer was quantized.

    Attributes:
        name: The layer's name.
        scale: ``sigma_l``, the layer's output scale.
        target_scale: The activation-limited scale ``t_l`` before the weight limit.
        weight_limited: Whether ``sigma_l`` was lowered so that the weights fit.
        multiplier: ``2^s * sigma_l / sigma_{l-1}``, the factor applied to the weights.
        max_abs_weight_q: ``max |W_q|``.
        effective_weight_bits: Signed bits ``max |W_q|`` needs (``weight_bits`` at most).
        max_abs_preactivation_q: ``max |y|`` on the calibration data (integer, pre-ReLU).
        activation_utilization: That maximum over ``2^(a-1)`` (1.0 would overflow).
    """

    name: str
    scale: float
    target_scale: float
    weight_limited: bool
    multiplier: float
    max_abs_weight_q: int
    effective_weight_bits: int
    max_abs_preactivation_q: int
    activation_utilization: float


@dataclass(frozen=True)
class QuantReport:
    """Accuracy of the integer model against the float model on the calibration samples.

    The comparison is in-sample (the samples that chose the scales); pass held-out data as
    calibration to :func:`quantize` for an out-of-sample estimate.

    Attributes:
        samples: Number of calibration samples.
        settings: The fixed-point settings that were chosen.
        headroom: The headroom used for the target scales.
        input_scale: ``sigma_0``.
        max_abs_logit_error: ``max |float logits - dequantized integer logits|``.
        mean_abs_logit_error: The mean of the same.
        max_abs_logit: ``max |float logits|``, to put the errors in proportion.
        top1_agreement: Fraction of samples whose arg-max logit agrees.
        layers: Per-layer details.
        headroom_lowered: Whether :func:`quantize` lowered the headroom itself so that every
            calibration sample fits.
        max_logit_span: ``max - min`` of the float logits over the samples: the scale of the
            relative error the precision target is stated in.
        precision: How the bit widths were chosen, when :mod:`folding.precision` chose them.
    """

    samples: int
    settings: QuantSettings
    headroom: float
    input_scale: float
    max_abs_logit_error: float
    mean_abs_logit_error: float
    max_abs_logit: float
    top1_agreement: float
    layers: tuple[LayerQuantInfo, ...]
    headroom_lowered: bool = False
    max_logit_span: float = 0.0
    precision: PrecisionChoice | None = None

    @property
    def relative_logit_error(self) -> float:
        """``max_abs_logit_error`` over ``max_logit_span`` (the precision target's unit)."""
        return self.max_abs_logit_error / (self.max_logit_span or 1.0)

    def to_dict(self) -> dict[str, Any]:
        """Returns the report as a JSON-able dict."""
        data = asdict(self)
        data["layers"] = [asdict(layer) for layer in self.layers]
        data["relative_logit_error"] = self.relative_logit_error
        data["precision"] = self.precision.to_dict() if self.precision is not None else None
        return data

    def format(self) -> str:
        """Returns a human-readable multi-line summary."""
        s = self.settings
        lines = [
            (f"quantization: act_bits={s.act_bits} weight_bits={s.weight_bits} "
             f"shift={s.shift} headroom={self.headroom:g}"
             + (" (lowered so that every calibration sample fits)" if self.headroom_lowered
                else "")),
            f"calibration samples: {self.samples}",
            f"top-1 agreement: {self.top1_agreement:.2%}",
            (f"logit error: max {self.max_abs_logit_error:.3g}, "
             f"mean {self.mean_abs_logit_error:.3g} (max |logit| {self.max_abs_logit:.3g}; "
             f"{self.relative_logit_error:.2g} of the logits' span)"),
            *([] if self.precision is None else self.precision.format().splitlines()),
            "",
            f"{'#':>4}  {'layer':<24} {'scale':>10} {'w bits':>6} {'act use':>7}  note",
        ]
        for index, layer in enumerate(self.layers):
            note = "scale lowered to fit weights" if layer.weight_limited else ""
            lines.append(
                f"{index:>4}  {layer.name[:24]:<24} {layer.scale:>10.4g} "
                f"{layer.effective_weight_bits:>6} {layer.activation_utilization:>7.1%}  {note}"
            )
        return "\n".join(lines).rstrip()


def default_calibration(input_dim: int) -> FloatArray:
    """The bundled calibration set: 64 seeded standard-normal samples.

    Args:
        input_dim: The model's input length.

    Returns:
        float64 array ``[64, input_dim]``.
    """
    rng = np.random.default_rng(DEFAULT_CALIBRATION_SEED)
    samples: FloatArray = rng.standard_normal((DEFAULT_CALIBRATION_SAMPLES, input_dim))
    return samples


def _calibration_batch(model: FloatModel, calibration: npt.ArrayLike | None) -> FloatArray:
    """Validates the calibration data and returns it as float64 ``[n, input_dim]``."""
    if calibration is None:
        return default_calibration(model.input_dim)
    array = np.asarray(calibration)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    elif array.ndim > 2 and array.shape[0] > 0 and math.prod(array.shape[1:]) == model.input_dim:
        array = array.reshape(array.shape[0], -1)  # samples in the model's own shape
    if array.ndim != 2 or array.shape[1] != model.input_dim or array.shape[0] == 0:
        raise InputError(
            f"calibration data has shape {tuple(np.shape(calibration))}; expected "
            f"(n, {model.input_dim}) with n >= 1, or n samples in the model's input shape"
        )
    if array.dtype.kind not in "fiu":
        raise InputError(f"calibration data must be numeric, got dtype {array.dtype}")
    batch: FloatArray = array.astype(np.float64)
    if not np.isfinite(batch).all():
        raise InputError("calibration data contains NaN or infinity")
    return batch


def _range(values: FloatArray) -> float:
    """``max |values|``, with a degenerate (zero) range counted as 1.0."""
    peak = float(np.abs(values).max()) if values.size else 0.0
    return peak if peak > 0.0 else 1.0


def choose_shift(target_scales: list[float], max_abs_weights: list[float], *,
                 act_bits: int, weight_bits: int, headroom: float) -> int:
    """Picks the shift ``s`` that balances weight precision against activation precision.

    For each layer, ``s*_l = log2((2^(w-1)-1) / max|W_l|) - log2(t_l / t_{l-1})`` is the
    largest shift at which its weights fit at the target scales. A shift above ``s*_l``
    lowers ``sigma_l`` by ``2^(s - s*_l)`` (and the lowering carries into later layers); a
    shift below leaves weight bits unused. For every ``s`` in [1, 30] the bits each layer
    keeps are predicted in closed form (deficit ``d_l = max(0, d_{l-1} + s - s*_l)``), and
    the cost is the sum over layers of ``2^-(weight bits kept) + 2^-(activation bits kept)``,
    a proxy for the relative rounding error. The smallest ``s`` of least cost wins (a
    smaller shift makes each circuit decomposition shorter).

    Args:
        target_scales: ``t_0 .. t_L`` (input first).
        max_abs_weights: ``max |W_l|`` for each layer (0 for an all-zero layer).
        act_bits: ``a``.
        weight_bits: ``w``.
        headroom: The target fraction of the activation range.

    Returns:
        The shift, in ``[1, 30]``.
    """
    weight_limit = (1 << (weight_bits - 1)) - 1
    act_bits_kept = math.log2(headroom * ((1 << (act_bits - 1)) - 1))
    ideal: list[float | None] = []
    for layer, wmax in enumerate(max_abs_weights):
        if wmax <= 0.0:
            ideal.append(None)  # an all-zero layer fits at any scale
        else:
            ratio = math.log2(target_scales[layer + 1] / target_scales[layer])
            ideal.append(math.log2(weight_limit / wmax) - ratio)
    best_shift, best_cost = MIN_DEFAULT_SHIFT, math.inf
    for shift in range(MIN_DEFAULT_SHIFT, MAX_DEFAULT_SHIFT + 1):
        cost, deficit = 0.0, 0.0
        for s_star in ideal:
            if s_star is None:
                new_deficit = 0.0  # no weight limit, so the layer reaches its target
                lost_weight_bits = 0.0
            else:
                new_deficit = max(0.0, deficit + shift - s_star)
                lost_weight_bits = s_star - shift - deficit + new_deficit
            deficit = new_deficit
            # Capped exponents keep 2.0**x finite; any cap this large already loses.
            cost += 2.0 ** min(lost_weight_bits - (weight_bits - 1), 60.0)
            cost += 2.0 ** min(deficit - act_bits_kept, 60.0)
        if cost < best_cost * (1.0 - 1e-9):
            best_shift, best_cost = shift, cost
    return best_shift


def _quantize_layers(model: FloatModel, ranges: list[float], target: list[float],
                     settings: QuantSettings,
                     ) -> tuple[list[QuantAnyLayer], list[float], list[bool], list[float]]:
    """Quantizes every layer at the given ranges ``A_l`` and targets ``t_l``; returns the
    layers, their scales, whether each was weight-limited, and the weight multipliers.

    A max pooling keeps its input's scale (``max`` commutes with a positive scale). A
    residual adds ``m * x_skip`` with ``m = round(2^s sigma_l / sigma_skip)``, which must fit
    the weights too, so it also bounds ``sigma_l``.
    """
    shift = settings.shift
    weight_limit = settings.weight_limit
    rounding = (1 << (shift - 1)) if shift > 0 else 0  # floor(v + 1/2) = round(v)
    layers: list[QuantAnyLayer] = []
    scales: list[float] = []
    limited: list[bool] = []
    multipliers: list[float] = []
    entering: list[float] = []  # the scale of the activation entering each layer
    previous = target[0]
    for index, layer in enumerate(model.layers):
        entering.append(previous)
        if isinstance(layer, PoolLayer) and layer.op == "max":
            layers.append(QuantPoolLayer(name=layer.name, op="max", window=layer.window))
            scales.append(previous)
            limited.append(False)
            multipliers.append(1.0)
            continue
        wmax = layer.weight_max() or 0.0
        scale = target[index + 1]
        if wmax > 0.0:
            scale = min(scale, weight_limit * previous / (wmax * 2.0**shift))
        if layer.skip_from is not None:
            scale = min(scale, weight_limit * entering[layer.skip_from] / 2.0**shift)
        # A lowered scale can shrink geometrically down a deep stack; once the calibration
        # maximum maps below one unit the layer carries no signal, so refuse it by name.
        if not scale * ranges[index + 1] >= 1.0:
            raise QuantizationError(
                f"layer {index} ({layer.name!r}): at shift {shift} its weights only fit at an "
                f"activation scale of {scale:.3g}, which leaves less than one integer step "
                f"for its output range; lower the shift or raise weight_bits"
            )
        limited.append(scale < target[index + 1])
        multiplier = 2.0**shift * scale / previous
        skip = {}
        if layer.skip_from is not None:
            skip_mult = min(int(np.rint(2.0**shift * scale / entering[layer.skip_from])),
                            weight_limit)
            skip = {"skip_from": layer.skip_from, "skip_mult": skip_mult}
        if isinstance(layer, PoolLayer):
            mult = min(int(np.rint(multiplier / layer.window.taps)), weight_limit)
            layers.append(QuantPoolLayer(name=layer.name, op="avg", window=layer.window,
                                         mult=mult, bias=rounding, relu=layer.relu))
        else:
            # The clip only absorbs float rounding at the limit (127.00000001 -> 127).
            weight_q = np.clip(np.rint(layer.weight * multiplier), -weight_limit, weight_limit)
            bias_real = layer.bias * (2.0**shift * scale)
            if bias_real.size and float(np.abs(bias_real).max()) >= _BIAS_FLOAT_LIMIT:
                raise QuantizationError(
                    f"layer {index} ({layer.name!r}): the quantized bias reaches 2^62; "
                    f"lower the shift or act_bits"
                )
            bias_q = np.rint(bias_real).astype(np.int64) + rounding
            if isinstance(layer, ConvLayer):
                layers.append(QuantConvLayer(
                    name=layer.name, weight=weight_q.astype(np.int64), bias=bias_q,
                    window=layer.window, relu=layer.relu, **skip))
            else:
                layers.append(QuantLayer(name=layer.name, weight=weight_q.astype(np.int64),
                                         bias=bias_q, relu=layer.relu, **skip))
        scales.append(scale)
        multipliers.append(multiplier)
        previous = scale
    return layers, scales, limited, multipliers


def _shift_inputs(model: FloatModel, target: list[float]) -> tuple[list[float], list[float]]:
    """The targets and weight maxima :func:`choose_shift` weighs.

    Max poolings pass their input's scale through, so they are left out. A residual adds
    ``round(2^s sigma_l / sigma_skip) * x_skip``: at the target scales that multiplier is a
    weight of ``t_l / t_skip`` against the layer's ``t_l / t_{l-1}``, so it counts as a weight
    of ``t_{l-1} / t_skip`` next to the layer's own.
    """
    targets, weights = [target[0]], []
    for index, layer in enumerate(model.layers):
        wmax = layer.weight_max()
        if wmax is None:
            continue
        if layer.skip_from is not None:
            wmax = max(wmax, target[index] / target[layer.skip_from])
        targets.append(target[index + 1])
        weights.append(wmax)
    return targets, weights


def _max_abs_weight_q(layer: QuantAnyLayer) -> int:
    if isinstance(layer, QuantPoolLayer):
        return abs(layer.mult)
    return int(np.abs(layer.weight).max())


def _effective_bits(max_abs: int) -> int:
    """Signed bits needed to hold every value of magnitude at most ``max_abs``."""
    return max_abs.bit_length() + 1


def _report(model: FloatModel, qmodel: QuantizedModel, samples: FloatArray, headroom: float,
            target: list[float], limited: list[bool], multipliers: list[float]) -> QuantReport:
    """Runs both models on the calibration samples and compares them."""
    try:
        pre = preactivations_int(qmodel, qmodel.quantize_input(samples))
    except RangeError as exc:
        raise _Overflow(exc) from exc
    last = np.maximum(pre[-1], 0) if qmodel.layers[-1].relu else pre[-1]
    float_logits = model.forward(samples)
    int_logits = qmodel.dequantize_output(last)
    error = np.abs(float_logits - int_logits)
    half = 1 << (qmodel.settings.act_bits - 1)
    infos = []
    for index, layer in enumerate(qmodel.layers):
        wmax = _max_abs_weight_q(layer)
        pre_max = int(np.abs(pre[index]).max())
        infos.append(LayerQuantInfo(
            name=layer.name, scale=qmodel.layer_scales[index], target_scale=target[index + 1],
            weight_limited=limited[index], multiplier=multipliers[index],
            max_abs_weight_q=wmax, effective_weight_bits=_effective_bits(wmax),
            max_abs_preactivation_q=pre_max, activation_utilization=pre_max / half,
        ))
    agree = np.argmax(float_logits, axis=1) == np.argmax(int_logits, axis=1)
    return QuantReport(
        samples=int(samples.shape[0]), settings=qmodel.settings, headroom=headroom,
        input_scale=qmodel.input_scale, max_abs_logit_error=float(error.max()),
        mean_abs_logit_error=float(error.mean()),
        max_abs_logit=float(np.abs(float_logits).max()),
        top1_agreement=float(agree.mean()), layers=tuple(infos),
        max_logit_span=float(float_logits.max() - float_logits.min()),
    )


def quantize(model: FloatModel, calibration: npt.ArrayLike | None = None, *,
             act_bits: int = 16, weight_bits: int = 8, shift: int | None = None,
             headroom: float | None = None) -> QuantizedModel:
    """Chooses fixed-point scales for ``model`` and quantizes it.

    Args:
        model: The float model.
        calibration: Representative inputs ``[n, input_dim]`` (or one ``[input_dim]``);
            ``None`` uses :func:`default_calibration` (64 seeded standard-normal samples).
        act_bits: Signed activation bits ``a`` (4..24).
        weight_bits: Signed weight bits ``w`` (2..16).
        shift: The rescale ``s`` (0..32); ``None`` picks one with :func:`choose_shift`.
        headroom: Fraction of the activation range the calibration maximum may use, in
            ``(0, 1]``; the rest is margin for inputs larger than the calibration data.
            ``None`` starts at :data:`DEFAULT_HEADROOM` and halves it (down to
            :data:`MIN_AUTO_HEADROOM`) while a calibration sample leaves the integer range:
            rounding errors that grow down a deep network can carry the integer activations
            past the float ones' maximum. The report says when it was lowered.

    Returns:
        The quantized model, with its accuracy report in ``QuantizedModel.report``.

    Raises:
        QuantizationError: If the settings are out of range, a layer cannot be represented
            (an accumulator could reach 2^62), or a calibration sample overflows.
        InputError: If the calibration data has the wrong shape or is not finite.
    """
    QuantSettings(act_bits=act_bits, weight_bits=weight_bits, shift=shift or 0)  # validate
    if headroom is not None and not (isinstance(headroom, (int, float))
                                     and 0.0 < headroom <= 1.0):
        raise QuantizationError(f"headroom = {headroom!r} is outside (0, 1]")
    samples = _calibration_batch(model, calibration)
    pre = model.forward_preactivations(samples)
    if not all(np.isfinite(p).all() for p in pre):
        raise QuantizationError("the float model overflows on the calibration data")
    current = DEFAULT_HEADROOM if headroom is None else float(headroom)
    while True:
        try:
            return _quantize_at(model, samples, pre, act_bits, weight_bits, shift, current,
                                lowered=current != DEFAULT_HEADROOM and headroom is None)
        except _Overflow as exc:
            if headroom is not None or current / 2 < MIN_AUTO_HEADROOM:
                tried = ("" if headroom is not None else
                         f" (lowered from {DEFAULT_HEADROOM} to {current:g}; no lower headroom "
                         f"was tried)")
                raise QuantizationError(
                    f"a calibration sample leaves the activation range at headroom "
                    f"{current:g}{tried}: {exc.error}; "
                    + ("lower the headroom" if headroom is not None else
                       f"use more activation bits than {act_bits}")) from exc.error
            current /= 2


class _Overflow(Exception):
    """A calibration sample overflows the integer range at the current headroom."""

    def __init__(self, error: RangeError) -> None:
        super().__init__(str(error))
        self.error = error


def _quantize_at(model: FloatModel, samples: FloatArray, pre: list[FloatArray], act_bits: int,
                 weight_bits: int, shift: int | None, headroom: float, *, lowered: bool,
                 ) -> QuantizedModel:
    """:func:`quantize` at one headroom; raises :class:`_Overflow` if a sample overflows."""
    act_limit = (1 << (act_bits - 1)) - 1
    ranges = [_range(samples)] + [_range(p) for p in pre]
    target = [headroom * act_limit / r for r in ranges]
    chosen = shift is None
    if shift is None:
        shift = choose_shift(*_shift_inputs(model, target), act_bits=act_bits,
                             weight_bits=weight_bits, headroom=headroom)
    while True:
        settings = QuantSettings(act_bits=act_bits, weight_bits=weight_bits, shift=shift)
        try:
            layers, scales, limited, multipliers = _quantize_layers(model, ranges, target,
                                                                    settings)
            break
        except QuantizationError:
            # The cost model does not follow a scale that residuals lower block after block;
            # a smaller shift gives their multipliers room. A shift the caller set stays.
            if not chosen or shift <= MIN_DEFAULT_SHIFT:
                raise
            shift -= 1
    qmodel = QuantizedModel(settings=settings, layers=tuple(layers), input_scale=target[0],
                            output_scale=scales[-1], layer_scales=tuple(scales),
                            heads=model.heads)
    report = _report(model, qmodel, samples, headroom, target, limited, multipliers)
    return replace(qmodel, report=replace(report, headroom_lowered=lowered))
