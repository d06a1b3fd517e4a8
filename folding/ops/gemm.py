"""Gemm: ``Y = alpha * A @ B' + beta * C`` with the activation as ``A``."""

from __future__ import annotations

import numpy as np

from folding.ops.base import Dense, NodeContext, OpResult, bias_vector, column_height


def gemm(ctx: NodeContext) -> OpResult:
    """One dense layer with ``weight = alpha * B'^T`` and ``bias = beta * C``.

    Supports ``transA`` 0 (the activation is a row ``[1, K]``) or 1 (a column ``[K, 1]``),
    ``transB`` 0 or 1, and an optional ``C`` that broadcasts to one row.
    """
    ctx.require_activation_at(0)
    trans_a = ctx.attr("transA", 0)
    if trans_a not in (0, 1):
        raise ctx.error(f"transA must be 0 or 1, got {trans_a}")
    trans_b = ctx.attr("transB", 0)
    if trans_b not in (0, 1):
        raise ctx.error(f"transB must be 0 or 1, got {trans_b}")
    alpha = float(ctx.attr("alpha", 1.0))
    beta = float(ctx.attr("beta", 1.0))
    if not (np.isfinite(alpha) and np.isfinite(beta)):
        raise ctx.error(f"alpha ({alpha}) and beta ({beta}) must be finite")
    b = ctx.float_constant(1, "B")
    if b.ndim != 2:
        raise ctx.error(f"B must be a matrix, got shape {b.shape}")
    # B' is [K, N]: B itself when transB = 0, B^T when transB = 1; the layer stores [N, K].
    weight = alpha * (b if trans_b else b.T)
    out_dim, in_dim = weight.shape
    # transA = 1: A is a column [K, 1], whose transpose is the row the layer multiplies.
    width = column_height(ctx, "for transA=1") if trans_a else ctx.vector_width()
    if width is not None and width != in_dim:
        raise ctx.error(
            f"B expects {in_dim} inputs but the activation {ctx.activation!r} has width {width}"
        )
    bias = np.zeros(out_dim)
    if ctx.input_name(2):
        bias = beta * bias_vector(ctx, ctx.float_constant(2, "C"), out_dim, "C")
    prefix = ctx.in_shape[:-1] if ctx.in_shape is not None and not trans_a else (1,)
    return OpResult(Dense(weight=weight, bias=bias), (*prefix, out_dim))
