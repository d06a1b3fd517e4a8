"""Conv: one 2-D convolution (one group, dilation 1) with a constant kernel and bias."""

from __future__ import annotations

import numpy as np

from folding.ops.base import (
    Conv,
    NodeContext,
    NoOp,
    OpResult,
    feature_map,
    make_window,
    pair_attr,
    window_pads,
)


def conv(ctx: NodeContext) -> OpResult:
    """``Y = conv(X, W) + B`` with ``W`` ``[out, in, kh, kw]`` and an optional ``B`` ``[out]``.

    Supports ``strides``, ``pads`` and ``auto_pad``; ``group`` and ``dilations`` must be 1.
    """
    ctx.require_activation_at(0)
    weight = ctx.float_constant(1, "W")
    if weight.ndim != 4:
        raise ctx.unsupported(f"only 2-D convolutions are supported (W has shape "
                              f"{list(weight.shape)})")
    if int(ctx.attr("group", 1)) != 1:
        raise ctx.unsupported(f"group={ctx.attr('group', 1)} is not supported (only 1)")
    if pair_attr(ctx, "dilations", (1, 1)) != (1, 1):
        raise ctx.unsupported(f"dilations {list(ctx.attr('dilations', []))} are not "
                              f"supported (only 1)")
    kernel = (int(weight.shape[2]), int(weight.shape[3]))
    declared = pair_attr(ctx, "kernel_shape", kernel)
    if declared != kernel:
        raise ctx.error(f"kernel_shape {list(declared)} does not match W {list(weight.shape)}")
    out_channels = int(weight.shape[0])
    bias = np.zeros(out_channels)
    if ctx.input_name(2):
        bias = ctx.float_constant(2, "B").reshape(-1)
        if bias.shape != (out_channels,):
            raise ctx.error(f"B has {bias.size} values for {out_channels} output channels")
    in_map = feature_map(ctx)
    if in_map is None:
        return OpResult(NoOp(), None)
    if in_map[0] != weight.shape[1]:
        raise ctx.error(f"W expects {weight.shape[1]} input channels but the activation "
                        f"{ctx.activation!r} has {in_map[0]}")
    stride = pair_attr(ctx, "strides", (1, 1))
    pads = window_pads(ctx, in_map[1:], kernel, stride)
    window = make_window(ctx, in_map, kernel, stride, pads)
    return OpResult(Conv(weight=weight, bias=bias, window=window),
                    (1, out_channels, *window.out_hw))
