"""Mul, Div, Sub and Neg of the activation by constants: an element-wise affine map.

Exporters write input normalisation (``(x - mean) / std``), scaling and sign flips this
way. Each is ``y = scale * x + shift`` with constants broadcast to the activation's shape
(a scalar, or one value per channel, or per element); the fusion pass folds it into the
layer before it or the layer after it (:mod:`folding.onnx_fusion`), so it costs nothing in
the circuit. Only the activation may be broadcast *to*: a constant that would grow the
activation's shape is refused, as is dividing a constant by the activation (not affine).
"""

from __future__ import annotations

import numpy as np

from folding.ir import FloatArray
from folding.ops.base import Elementwise, NodeContext, OpResult


def _operands(ctx: NodeContext) -> tuple[FloatArray, bool]:
    """The constant operand broadcast over the activation (flat), and whether the
    activation is the first operand."""
    inputs = [ctx.input_name(0), ctx.input_name(1)]
    if inputs.count(ctx.activation) != 1:
        raise ctx.error(f"{ctx.op_type} of an activation with itself is not supported")
    first = inputs.index(ctx.activation) == 0
    constant = ctx.float_constant(1 if first else 0, "the constant operand")
    return flat_over(ctx, constant), first


def flat_over(ctx: NodeContext, constant: FloatArray) -> FloatArray:
    """``constant`` broadcast over the activation's shape, flat (it may not grow it)."""
    if ctx.in_shape is None:
        raise ctx.error("the activation's shape is unknown, so the constant cannot be "
                        "broadcast over it")
    try:
        shape = tuple(int(d) for d in np.broadcast_shapes(ctx.in_shape, constant.shape))
    except ValueError as exc:
        raise ctx.error(f"the constant of shape {list(constant.shape)} does not broadcast "
                        f"with the activation of shape {list(ctx.in_shape)}") from exc
    if shape != tuple(ctx.in_shape):
        raise ctx.error(f"the constant of shape {list(constant.shape)} would grow the "
                        f"activation of shape {list(ctx.in_shape)} to {list(shape)}")
    flat: FloatArray = np.broadcast_to(constant, shape).reshape(-1).astype(np.float64)
    return flat


def mul(ctx: NodeContext) -> OpResult:
    """``x * c``."""
    scale, _ = _operands(ctx)
    return OpResult(Elementwise(scale=scale, shift=np.zeros_like(scale)), ctx.in_shape)


def div(ctx: NodeContext) -> OpResult:
    """``x / c`` (``c / x`` is not affine and is refused)."""
    divisor, first = _operands(ctx)
    if not first:
        raise ctx.error("dividing a constant by the activation is not affine; only "
                        "activation / constant is supported")
    if not np.all(divisor != 0):
        raise ctx.error("the divisor has a zero element")
    scale = 1.0 / divisor
    return OpResult(Elementwise(scale=scale, shift=np.zeros_like(scale)), ctx.in_shape)


def sub(ctx: NodeContext) -> OpResult:
    """``x - c``, or ``c - x``."""
    constant, first = _operands(ctx)
    ones = np.ones_like(constant)
    if first:
        return OpResult(Elementwise(scale=ones, shift=-constant), ctx.in_shape)
    return OpResult(Elementwise(scale=-ones, shift=constant), ctx.in_shape)


def neg(ctx: NodeContext) -> OpResult:
    """``-x``."""
    ctx.require_activation_at(0)
    ones = flat_over(ctx, np.ones(1))
    return OpResult(Elementwise(scale=-ones, shift=np.zeros_like(ones)), ctx.in_shape)
