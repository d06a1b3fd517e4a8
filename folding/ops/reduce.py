"""ReduceMean, ReduceSum and ReduceMax of the activation: global pooling, or a dense sum.

PyTorch writes a ResNet's global pooling ``x.mean((2, 3))`` as ``ReduceMean`` over the two
spatial axes of a ``[1, c, h, w]`` map; that is a whole-map average (or, for ``ReduceMax``,
max) pooling layer, as ``GlobalAveragePool`` is. ``ReduceSum`` there is the same average
times ``h * w``, a constant factor that folds into the next layer with weights. Any other
mean or sum is linear in the activation: one dense layer whose weights are ``1`` (or
``1/n``) where an input element belongs to an output element. Axes of size 1 (the batch
axis among them) reduce nothing and are ignored.
"""

from __future__ import annotations

import numpy as np

from folding.ops.base import Dense, NodeContext, NoOp, OpResult, Pool, Shape, make_window
from folding.ops.shape import normalised_axes, raw_axes

#: Largest dense matrix (outputs times inputs) a non-spatial mean or sum may become.
MAX_REDUCE_MATRIX = 1 << 22

_INPUT_FROM = {"ReduceSum": 13, "ReduceMean": 18, "ReduceMax": 18}


def _axes(ctx: NodeContext, shape: Shape) -> tuple[list[int], bool]:
    """The reduced axes (positions into ``shape``) and whether the dimensions stay."""
    keepdims = bool(int(ctx.attr("keepdims", 1)))
    values = raw_axes(ctx, _INPUT_FROM[ctx.op_type])
    if values is None or not values:
        if int(ctx.attr("noop_with_empty_axes", 0)):
            return [], keepdims
        values = list(range(len(shape)))
    return normalised_axes(ctx, values, len(shape)), keepdims


def _reduce(ctx: NodeContext) -> OpResult:
    ctx.require_activation_at(0)
    shape = ctx.in_shape
    if shape is None:
        return OpResult(NoOp(), None)
    axes, keepdims = _axes(ctx, shape)
    out_shape = tuple(1 if i in axes else d for i, d in enumerate(shape)
                      if keepdims or i not in axes)
    effective = {a for a in axes if shape[a] != 1}
    if not effective:
        return OpResult(NoOp(), out_shape)
    op = ctx.op_type
    if len(shape) == 4 and shape[0] == 1 and effective == {2, 3}:
        in_map = (shape[1], shape[2], shape[3])
        window = make_window(ctx, in_map, in_map[1:], (1, 1), (0, 0, 0, 0))
        pooled = "max" if op == "ReduceMax" else "avg"
        factor = float(shape[2] * shape[3]) if op == "ReduceSum" else 1.0
        return OpResult(Pool(op=pooled, window=window, then_scale=factor), out_shape)
    if op == "ReduceMax":
        raise ctx.unsupported(f"ReduceMax over axes {sorted(effective)} of shape "
                              f"{list(shape)}: only over the two spatial axes of a "
                              f"[1, c, h, w] map (a global max pooling)")
    return OpResult(Dense(weight=_sum_matrix(ctx, shape, effective, op == "ReduceMean"),
                          bias=np.zeros(int(np.prod(out_shape)))), out_shape)


def _sum_matrix(ctx: NodeContext, shape: Shape, axes: set[int], mean: bool) -> np.ndarray:
    """``[outputs, inputs]``: 1 (or 1/count) where an input element sums into an output."""
    inputs = int(np.prod(shape))
    kept = [d for i, d in enumerate(shape) if i not in axes]
    outputs = int(np.prod(kept)) if kept else 1
    if outputs * inputs > MAX_REDUCE_MATRIX:
        raise ctx.unsupported(f"{ctx.op_type} over axes {sorted(axes)} of shape {list(shape)} "
                              f"would be a {outputs}x{inputs} dense layer (limit "
                              f"{MAX_REDUCE_MATRIX:,} entries)")
    coords = np.unravel_index(np.arange(inputs), shape)
    kept_coords = tuple(c for i, c in enumerate(coords) if i not in axes)
    target = np.ravel_multi_index(kept_coords, kept) if kept else np.zeros(inputs, int)
    weight = np.zeros((outputs, inputs))
    weight[target, np.arange(inputs)] = 1.0 / (inputs // outputs) if mean else 1.0
    return weight


def reduce_mean(ctx: NodeContext) -> OpResult:
    """The mean over ``axes``: a global average pooling over a map's spatial axes."""
    return _reduce(ctx)


def reduce_sum(ctx: NodeContext) -> OpResult:
    """The sum over ``axes``."""
    return _reduce(ctx)


def reduce_max(ctx: NodeContext) -> OpResult:
    """The maximum over a map's spatial axes: a global max pooling."""
    return _reduce(ctx)
