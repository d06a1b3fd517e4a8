"""Identity, Dropout and Cast between float types: no-ops at inference time."""

from __future__ import annotations

import numpy as np
import onnx

from folding.ops.base import FLOAT_TYPES, NodeContext, NoOp, OpResult


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


def cast(ctx: NodeContext) -> OpResult:
    """A cast of the activation to a float type (scikit-learn's exports cast their input to
    float): the fixed-point model has one number type, so it changes nothing. A cast to an
    integer type rounds, and is refused (after an ``ArgMax`` it belongs to the output head).
    """
    ctx.require_activation_at(0)
    to = int(ctx.attr("to", 0))
    if to not in FLOAT_TYPES:
        name = onnx.TensorProto.DataType.Name(to) if to in onnx.TensorProto.DataType.values() \
            else str(to)
        raise ctx.unsupported(f"a cast of the activation to {name} rounds it; only casts "
                              f"to a float type are supported inside the network")
    return OpResult(NoOp(), ctx.in_shape)
