"""MatMul of the activation and a constant matrix, with the constant on either side."""

from __future__ import annotations

import numpy as np

from folding.ops.base import Dense, NodeContext, OpResult, column_height


def matmul(ctx: NodeContext) -> OpResult:
    """One dense layer with a zero bias (a following Add fills it).

    ``x @ B`` with ``B`` ``[K, N]`` and a row activation ``[..., 1, K]`` is ``weight = B^T``;
    ``A @ x`` with ``A`` ``[N, K]`` and a column activation (``[K]`` or ``[..., K, 1]``) is
    ``weight = A``, its output a column too.
    """
    first, second = ctx.input_name(0), ctx.input_name(1)
    if first == second:
        raise ctx.error("the product of an activation with itself is not supported")
    if second == ctx.activation:
        return _constant_first(ctx)
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


def _constant_first(ctx: NodeContext) -> OpResult:
    a = ctx.float_constant(0, "A")
    if a.ndim != 2:
        raise ctx.error(f"A must be an [N, K] matrix, got shape {a.shape}")
    out_dim, in_dim = a.shape
    height = column_height(ctx)
    if height is not None and height != in_dim:
        raise ctx.error(f"A expects {in_dim} inputs but the activation {ctx.activation!r} "
                        f"has height {height}")
    shape = ctx.in_shape
    out_shape = (out_dim,) if shape is None or len(shape) == 1 else (*shape[:-2], out_dim, 1)
    return OpResult(Dense(weight=a, bias=np.zeros(out_dim)), out_shape)
