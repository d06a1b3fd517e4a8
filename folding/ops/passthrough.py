"""Identity and Dropout: no-ops at inference time."""

from __future__ import annotations

import numpy as np

from folding.ops.base import NodeContext, NoOp, OpResult


def identity(ctx: NodeContext) -> OpResult:
    """Passes the activation through."""
    ctx.require_activation_at(0)
    return OpResult(NoOp(), ctx.in_shape)


def dropout(ctx: NodeContext) -> OpResult:
    """Passes the activation through (inference mode); the optional mask output is ignored.

    A ``training_mode`` input (opset 12+) must be absent or a constant false, since
    training-mode dropout is random and cannot be proven.
    """
    ctx.require_activation_at(0)
    if ctx.input_name(2):
        mode = ctx.constant(2, "training_mode")
        if mode.size != 1 or bool(np.asarray(mode).reshape(-1)[0]):
            raise ctx.error("training_mode must be false for inference")
    return OpResult(NoOp(), ctx.in_shape)
