"""BatchNormalization (inference): folded into the convolution or dense layer before it."""

from __future__ import annotations

import numpy as np

from folding.ops.base import ChannelAffine, NodeContext, OpResult


def batch_normalization(ctx: NodeContext) -> OpResult:
    """``Y = scale * (X - mean) / sqrt(var + epsilon) + B`` per channel (axis 1), as the
    per-channel affine map ``Y = a X + c`` that the fusion pass folds into the layer before:
    ``a = scale / sqrt(var + epsilon)``, ``c = B - mean * a``."""
    ctx.require_activation_at(0)
    if int(ctx.attr("training_mode", 0)) != 0:
        raise ctx.unsupported("training_mode=1 is not supported (inference only)")
    epsilon = float(ctx.attr("epsilon", 1e-5))
    scale, bias, mean, var = (ctx.float_constant(i, what).reshape(-1) for i, what in
                              ((1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")))
    channels = scale.size
    if not all(v.size == channels for v in (bias, mean, var)):
        raise ctx.error("scale, B, input_mean and input_var must have one value per channel")
    if ctx.in_shape is not None and (len(ctx.in_shape) < 2 or ctx.in_shape[1] != channels):
        raise ctx.error(f"{channels} channels of parameters for an input of shape "
                        f"{list(ctx.in_shape)}")
    if not (np.isfinite(epsilon) and epsilon >= 0) or (var + epsilon <= 0).any():
        raise ctx.error("input_var + epsilon must be positive")
    factor = scale / np.sqrt(var + epsilon)
    return OpResult(ChannelAffine(scale=factor, shift=bias - mean * factor), ctx.in_shape)
