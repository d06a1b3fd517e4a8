"""The integer reference forward pass: the specification the circuits must match.

For every layer (docs/ARCHITECTURE.md, "Arithmetic"), exactly and in int64::

    acc = W x + b  (+ m * x_skip)     # dense, convolution or average pooling; residual
    y   = floor(acc / 2^s)            # arithmetic right shift: floors toward -inf
    check -2^(a-1) <= y < 2^(a-1)     # on y, before ReLU
    out = max(y, 0) if relu else y

and for a max pooling ``out = y = max(window)``, with no rescale (its inputs are in range).

int64 is exact here because :class:`folding.quant_ir.QuantizedModel` refuses any layer whose
worst-case ``|acc|`` (``(sum |W| + |m|) * 2^(a-1) + |b|``) reaches 2^62.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from folding.errors import InputError, RangeError
from folding.geometry import pool2d
from folding.ir import IntArray
from folding.quant_ir import QuantizedModel, QuantPoolLayer

__all__ = ["forward_int", "preactivations_int", "predict_int"]


def _check_range(values: IntArray, bounds: tuple[int, int], layer: int | None,
                 layer_name: str | None) -> None:
    """Raises RangeError for the first element of ``values`` ([batch, n]) outside ``bounds``."""
    lo, hi = bounds
    bad = (values < lo) | (values >= hi)
    if bad.any():
        flat = int(np.argmax(bad))  # first offender in row-major order
        neuron = flat % values.shape[1]
        raise RangeError(layer=layer, layer_name=layer_name, neuron=neuron,
                         value=int(values.flat[flat]), bounds=bounds)


def _as_int_batch(model: QuantizedModel, x_q: npt.ArrayLike) -> tuple[IntArray, bool]:
    """Validates ``x_q`` and returns it as an int64 ``[batch, in]`` array plus a was-1-D flag."""
    array: npt.NDArray[Any] = np.asarray(x_q)
    if array.dtype.kind not in "iu":
        raise InputError(f"quantized input must have an integer dtype, got {array.dtype}")
    width = model.input_dim
    if array.ndim == 1 and array.shape[0] == width:
        single = True
        array = array.reshape(1, width)
    elif array.ndim == 2 and array.shape[1] == width:
        single = False
    else:
        raise InputError(
            f"quantized input has shape {tuple(array.shape)}; expected ({width},) or "
            f"(batch, {width})"
        )
    lo, hi = model.settings.act_bounds
    if array.dtype.kind == "u" and array.size and int(array.max()) >= hi:
        # Checked before the int64 cast, which would wrap values above 2^63.
        flat = int(np.argmax(array >= hi))
        raise RangeError(layer=None, layer_name=None, neuron=flat % width,
                         value=int(array.flat[flat]), bounds=(lo, hi))
    batch: IntArray = array.astype(np.int64)
    _check_range(batch, (lo, hi), layer=None, layer_name=None)
    return batch, single


def preactivations_int(model: QuantizedModel, x_q: npt.ArrayLike) -> list[IntArray]:
    """Runs the integer model and returns every layer's ``y`` before its ReLU.

    Same arithmetic, checks and errors as :func:`forward_int`; used for calibration reports
    (the range check applies to these values).
    """
    activation, single = _as_int_batch(model, x_q)
    bounds = model.settings.act_bounds
    shift = model.settings.shift
    entering: list[IntArray] = []
    preactivations: list[IntArray] = []
    for index, layer in enumerate(model.layers):
        entering.append(activation)
        if isinstance(layer, QuantPoolLayer) and layer.op == "max":
            # The max of in-range values is in range: nothing to rescale or check.
            y = pool2d(activation, "max", layer.window)
        else:
            acc = layer.accumulate(activation)
            if layer.skip_from is not None:
                acc = acc + layer.skip_mult * entering[layer.skip_from]
            # numpy's >> on int64 is an arithmetic shift: floor(acc / 2^s) for negatives too.
            y = acc >> shift
            _check_range(y, bounds, layer=index, layer_name=layer.name)
        preactivations.append(y[0] if single else y)
        activation = np.maximum(y, 0) if layer.relu else y
    return preactivations


def forward_int(model: QuantizedModel, x_q: npt.ArrayLike) -> list[IntArray]:
    """Runs the integer model exactly as the circuits do.

    Args:
        model: The quantized model.
        x_q: The integer input, ``[input_dim]`` or ``[batch, input_dim]`` (integer dtype).

    Returns:
        Every layer's output activations (after ReLU where the layer has it), int64, each
        shaped ``[out]`` or ``[batch, out]`` like ``x_q``.

    Raises:
        InputError: If ``x_q`` has the wrong shape or a non-integer dtype.
        RangeError: If an input element (``layer=None``) or a pre-ReLU output ``y`` leaves
            ``[-2^(a-1), 2^(a-1))``; it names the first offending layer and neuron.
    """
    return [
        np.maximum(y, 0) if layer.relu else y
        for layer, y in zip(model.layers, preactivations_int(model, x_q), strict=True)
    ]


def predict_int(model: QuantizedModel, x_q: npt.ArrayLike) -> IntArray:
    """Returns the last layer's output of :func:`forward_int` (the integer logits)."""
    return forward_int(model, x_q)[-1]
