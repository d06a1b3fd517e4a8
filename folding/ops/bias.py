"""Add of a constant: the bias of a preceding MatMul (or an extra bias of a Gemm)."""

from __future__ import annotations

import numpy as np

from folding.ops.base import AddBias, NodeContext, OpResult, is_vector


def add(ctx: NodeContext) -> OpResult:
    """Adds a constant vector to the activation; fused into the previous layer's bias."""
    inputs = [ctx.input_name(0), ctx.input_name(1)]
    if inputs.count(ctx.activation) != 1:
        raise ctx.error("adding two activations is not supported (only a constant bias)")
    position = 1 - inputs.index(ctx.activation)
    bias = ctx.float_constant(position, "the addend")
    if ctx.in_shape is None:
        return OpResult(AddBias(bias=bias.reshape(-1)), None)
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
