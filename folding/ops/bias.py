"""Add: of a constant, the bias of a preceding layer; of an earlier activation, a residual
connection."""

from __future__ import annotations

import numpy as np

from folding.ops.base import AddBias, Elementwise, NodeContext, OpResult, Residual, is_vector
from folding.ops.elementwise import flat_over as _flat_over


def add(ctx: NodeContext) -> OpResult:
    """Adds a constant vector to the activation; fused into the previous layer's bias."""
    if ctx.other is not None:
        return _residual(ctx, ctx.other)
    inputs = [ctx.input_name(0), ctx.input_name(1)]
    if inputs.count(ctx.activation) != 1:
        raise ctx.error("adding an activation to itself is not supported")
    position = 1 - inputs.index(ctx.activation)
    bias = ctx.float_constant(position, "the addend")
    if ctx.in_shape is None:
        return OpResult(AddBias(bias=bias.reshape(-1)), None)
    if not is_vector(ctx.in_shape):
        # A map (an image, a convolution's output): an element-wise shift, folded into the
        # layer before or after it (per channel) by the fusion pass.
        shift = _flat_over(ctx, bias)
        return OpResult(Elementwise(scale=np.ones_like(shift), shift=shift), ctx.in_shape)
    try:
        out_shape = tuple(int(d) for d in np.broadcast_shapes(ctx.in_shape, bias.shape))
    except ValueError as exc:
        raise ctx.error(
            f"the addend of shape {bias.shape} does not broadcast with the activation "
            f"{ctx.activation!r} of shape {ctx.in_shape}"
        ) from exc
    # The addend may add leading 1s but must not turn the vector into a matrix.
    if not is_vector(out_shape) or out_shape[-1] != ctx.in_shape[-1] or not is_vector(
            ctx.in_shape):
        raise ctx.error(
            f"the addend of shape {bias.shape} does not keep the activation "
            f"{ctx.activation!r} (shape {ctx.in_shape}) one vector"
        )
    row = np.broadcast_to(bias, out_shape).reshape(-1)
    return OpResult(AddBias(bias=row), out_shape)


def _residual(ctx: NodeContext, source: str) -> OpResult:
    """``Y = X + S`` where ``S`` is an earlier activation of the same shape (no broadcast)."""
    if ctx.in_shape is not None and ctx.other_shape is not None and \
            ctx.in_shape != ctx.other_shape:
        raise ctx.error(f"the residual adds {source!r} of shape {list(ctx.other_shape)} to "
                        f"{ctx.activation!r} of shape {list(ctx.in_shape)}; the shapes must "
                        f"be equal")
    return OpResult(Residual(source=source), ctx.in_shape)
