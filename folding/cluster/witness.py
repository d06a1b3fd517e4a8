"""Witness generation: the integer forward pass and each segment's step inputs (the
activations entering each of its steps), as stateless Ray tasks.

The forward pass runs on a GPU when the task has one and CuPy is installed, NumPy otherwise.
On the GPU the matrix products run in float64, which is exact while every accumulator stays
below 2^53; the bound is checked per layer from the weights, and a layer that could exceed
it runs in int64 on the CPU. Either way the result must equal
:func:`folding.reference.forward_int` (tested), and the Rust prover checks each step's
output against the next step's given input, so a wrong witness cannot become a proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from folding.ir import IntArray
from folding.quant_ir import QuantizedModel, QuantLayer
from folding.reference import forward_int

Segments = Sequence[tuple[int, int, int]]

_EXACT_FLOAT = 1 << 53


def _gpu_module() -> Any | None:
    """CuPy when it is installed and sees a GPU, else None."""
    try:
        import cupy
    except ImportError:
        return None
    try:
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # noqa: BLE001 - no driver, no device: the CPU path
        return None


def forward_on_gpu(model: QuantizedModel, x_q: IntArray, cp: Any) -> list[IntArray]:
    """:func:`folding.reference.forward_int` on a GPU (float64 products where exact). A
    value out of range is reported by the reference itself, naming the layer and neuron."""
    lo, hi = model.settings.act_bounds
    shift = model.settings.shift
    act = cp.asarray(x_q, dtype=cp.int64)
    outputs: list[IntArray] = []
    for index, layer in enumerate(model.layers):
        assert isinstance(layer, QuantLayer), "forward() sends other kinds to NumPy"
        bound = int(np.abs(layer.weight).sum(axis=1).max()) * max(-lo, hi) + \
            int(np.abs(layer.bias).max(initial=0))
        if bound < _EXACT_FLOAT:
            acc = cp.rint(act.astype(cp.float64) @ cp.asarray(layer.weight.T, cp.float64))
            acc = acc.astype(cp.int64) + cp.asarray(layer.bias, cp.int64)
        else:
            acc = cp.asarray(cp.asnumpy(act) @ layer.weight.T + layer.bias)
        y = acc >> shift
        if bool(((y < lo) | (y >= hi)).any()):
            forward_int(model, x_q)  # raises RangeError naming the layer and neuron
            raise AssertionError(f"layer {index} is out of range on the GPU only")
        act = cp.maximum(y, 0) if layer.relu else y
        outputs.append(cp.asnumpy(act))
    return outputs


def forward(model: QuantizedModel, x_q: IntArray) -> list[IntArray]:
    """Every layer's output activations: on a GPU when there is one, else NumPy."""
    cp = _gpu_module()
    # The GPU path covers dense chains; convolutions and pooling take the NumPy reference.
    if cp is None or any(layer.kind != "dense" or layer.skip_from is not None
                         for layer in model.layers):
        return forward_int(model, x_q)
    return forward_on_gpu(model, x_q, cp)


def segment_step_inputs(model: QuantizedModel, segments: Segments, x_q: IntArray
                        ) -> list[IntArray]:
    """For each segment ``(first_layer, num_steps, layers_per_step)``, the activations
    entering each of its steps, as an int64 array ``[num_steps, width]``."""
    outputs = forward(model, x_q)
    out = []
    for first, steps, per in segments:
        rows = [x_q if first + k * per == 0 else outputs[first + k * per - 1]
                for k in range(steps)]
        out.append(np.stack(rows).astype(np.int64))
    return out
