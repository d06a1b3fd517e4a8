"""Relu: fused into the dense layer it follows (the fusion pass checks that it does)."""

from __future__ import annotations

from folding.ops.base import ApplyRelu, NodeContext, OpResult


def relu(ctx: NodeContext) -> OpResult:
    """Marks the previous layer as followed by ReLU; the shape is unchanged."""
    ctx.require_activation_at(0)
    return OpResult(ApplyRelu(), ctx.in_shape)
