"""MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool over 2-D feature maps."""

from __future__ import annotations

from folding.ops.base import (
    NodeContext,
    NoOp,
    OpResult,
    Pool,
    feature_map,
    make_window,
    pair_attr,
    window_pads,
)


def _pool(ctx: NodeContext, op: str) -> OpResult:
    ctx.require_activation_at(0)
    if int(ctx.attr("ceil_mode", 0)) != 0:
        raise ctx.unsupported("ceil_mode=1 is not supported")
    if pair_attr(ctx, "dilations", (1, 1)) != (1, 1):
        raise ctx.unsupported("dilations other than 1 are not supported")
    if ctx.attr("kernel_shape", None, "ints") is None:
        raise ctx.error("kernel_shape is required")
    kernel = pair_attr(ctx, "kernel_shape", (1, 1))
    in_map = feature_map(ctx)
    if in_map is None:
        return OpResult(NoOp(), None)
    stride = pair_attr(ctx, "strides", (1, 1))
    pads = window_pads(ctx, in_map[1:], kernel, stride)
    # The divisor must be the same everywhere: kh * kw, padding included.
    if op == "avg" and any(pads) and int(ctx.attr("count_include_pad", 0)) == 0:
        raise ctx.unsupported("padding with count_include_pad=0 (a divisor that varies at "
                              "the borders) is not supported; use count_include_pad=1")
    window = make_window(ctx, in_map, kernel, stride, pads)
    return OpResult(Pool(op=op, window=window), (1, in_map[0], *window.out_hw))


def max_pool(ctx: NodeContext) -> OpResult:
    """The window maximum (the optional ``Indices`` output must be unused)."""
    return _pool(ctx, "max")


def average_pool(ctx: NodeContext) -> OpResult:
    """The window mean (divisor ``kh * kw``)."""
    return _pool(ctx, "avg")


def _global(ctx: NodeContext, op: str) -> OpResult:
    ctx.require_activation_at(0)
    in_map = feature_map(ctx)
    if in_map is None:
        return OpResult(NoOp(), None)
    window = make_window(ctx, in_map, in_map[1:], (1, 1), (0, 0, 0, 0))
    return OpResult(Pool(op=op, window=window), (1, in_map[0], 1, 1))


def global_average_pool(ctx: NodeContext) -> OpResult:
    """The mean of each channel: an average pooling whose window is the whole map."""
    return _global(ctx, "avg")


def global_max_pool(ctx: NodeContext) -> OpResult:
    """The maximum of each channel: a max pooling whose window is the whole map."""
    return _global(ctx, "max")
