"""Conv: one 2-D convolution with a constant kernel and bias.

Grouped (and depthwise) and dilated convolutions are ordinary convolutions with a kernel
that has zeros: off the diagonal blocks of the groups, between the taps of a dilated
kernel. The kernel is expanded here, exactly; with public weights a zero weight adds no
term to the circuit, so the expansion costs nothing there (private weights hash every
weight, zeros included).
"""

from __future__ import annotations

import numpy as np

from folding.geometry import MAX_KERNEL
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
from folding.ops.constants import MAX_PARAMETERS


def conv(ctx: NodeContext) -> OpResult:
    """``Y = conv(X, W) + B`` with ``W`` ``[out, in, kh, kw]`` and an optional ``B`` ``[out]``.

    Supports ``strides``, ``pads``, ``auto_pad``, ``group`` and ``dilations``.
    """
    ctx.require_activation_at(0)
    weight = ctx.float_constant(1, "W")
    if weight.ndim != 4:
        raise ctx.unsupported(f"only 2-D convolutions are supported (W has shape "
                              f"{list(weight.shape)})")
    declared = pair_attr(ctx, "kernel_shape", (int(weight.shape[2]), int(weight.shape[3])))
    if declared != tuple(weight.shape[2:]):
        raise ctx.error(f"kernel_shape {list(declared)} does not match W {list(weight.shape)}")
    weight = _dilated(ctx, _ungrouped(ctx, weight))
    kernel = (int(weight.shape[2]), int(weight.shape[3]))
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


def _ungrouped(ctx: NodeContext, weight: np.ndarray) -> np.ndarray:
    """``[out, in / group, kh, kw]`` as the block-diagonal ``[out, in, kh, kw]``."""
    group = int(ctx.attr("group", 1))
    out_channels, group_in = int(weight.shape[0]), int(weight.shape[1])
    if group < 1 or out_channels % group:
        raise ctx.error(f"group={group} must be positive and divide the {out_channels} "
                        f"output channels")
    if group == 1:
        return weight
    if out_channels * group_in * group * weight.shape[2] * weight.shape[3] > MAX_PARAMETERS:
        raise ctx.error(f"group={group}: the kernel as one convolution would have more than "
                        f"{MAX_PARAMETERS:,} weights")
    group_out = out_channels // group
    full = np.zeros((out_channels, group_in * group, *weight.shape[2:]))
    for g in range(group):
        rows = slice(g * group_out, (g + 1) * group_out)
        full[rows, g * group_in:(g + 1) * group_in] = weight[rows]
    return full


def _dilated(ctx: NodeContext, weight: np.ndarray) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros between its taps."""
    dh, dw = pair_attr(ctx, "dilations", (1, 1))
    if min(dh, dw) < 1:
        raise ctx.error(f"dilations {[dh, dw]} must be positive")
    if (dh, dw) == (1, 1):
        return weight
    kh, kw = int(weight.shape[2]), int(weight.shape[3])
    if max((kh - 1) * dh + 1, (kw - 1) * dw + 1) > MAX_KERNEL:
        raise ctx.unsupported(f"dilations {[dh, dw]} make the {kh}x{kw} kernel wider than "
                              f"{MAX_KERNEL}")
    full = np.zeros((*weight.shape[:2], (kh - 1) * dh + 1, (kw - 1) * dw + 1))
    full[:, :, ::dh, ::dw] = weight
    return full
