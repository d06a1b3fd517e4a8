"""MatMul: the activation times a constant weight matrix ``B`` of shape ``[K, N]``."""

from __future__ import annotations

import numpy as np

from folding.ops.base import Dense, NodeContext, OpResult


def matmul(ctx: NodeContext) -> OpResult:
    """One dense layer with ``weight = B^T`` and a zero bias (a following Add fills it)."""
    if ctx.input_name(1) == ctx.activation:
        raise ctx.error("the activation must be the first operand (x @ W with constant W)")
    ctx.require_activation_at(0)
    b = ctx.float_constant(1, "B")
    if b.ndim != 2:
        raise ctx.error(f"B must be a [K, N] matrix, got shape {b.shape}")
    in_dim, out_dim = b.shape
    width = ctx.vector_width()
    if width is not None and width != in_dim:
        raise ctx.error(
            f"B expects {in_dim} inputs but the activation {ctx.activation!r} has width {width}"
        )
    prefix = ctx.in_shape[:-1] if ctx.in_shape is not None else (1,)
    return OpResult(Dense(weight=b.T, bias=np.zeros(out_dim)), (*prefix, out_dim))
