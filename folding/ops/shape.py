"""Flatten, Reshape, Squeeze and Unsqueeze: no-ops on the row-major data of one sample.

The prover handles one sample at a time, so the batch dimension is 1 and any reshape keeps
the flat data unchanged; the dense handlers check that their input is one vector.
"""

from __future__ import annotations

import numpy as np

from folding.ops.base import NodeContext, NoOp, OpResult, Shape, num_elements


def flatten(ctx: NodeContext) -> OpResult:
    """``[d0, ..., dk]`` to ``[d0 * ... * d(axis-1), d(axis) * ... * dk]``."""
    ctx.require_activation_at(0)
    if ctx.in_shape is None:
        return OpResult(NoOp(), None)
    rank = len(ctx.in_shape)
    axis = int(ctx.attr("axis", 1))
    if not -rank <= axis <= rank:
        raise ctx.error(f"axis {axis} is out of range for rank {rank}")
    if axis < 0:
        axis += rank
    head = num_elements(ctx.in_shape[:axis])
    return OpResult(NoOp(), (head, num_elements(ctx.in_shape) // head))


def _reshape_target(ctx: NodeContext, in_shape: Shape | None, target: list[int],
                    allow_zero: bool) -> Shape | None:
    """Resolves ``0`` (copy) and ``-1`` (infer) in a Reshape target."""
    if target.count(-1) > 1:
        raise ctx.error(f"shape {target} has more than one -1")
    resolved: list[int] = []
    for position, dim in enumerate(target):
        if dim == 0 and not allow_zero:
            if in_shape is None:
                return None
            if position >= len(in_shape):
                raise ctx.error(f"shape {target} copies dimension {position}, which the "
                                f"input {in_shape} does not have")
            dim = in_shape[position]
        elif dim < -1 or dim == 0:
            raise ctx.error(f"shape {target} has an invalid dimension {dim}")
        resolved.append(dim)
    if -1 in resolved:
        if in_shape is None:
            return None
        known = num_elements(tuple(d for d in resolved if d != -1))
        total = num_elements(in_shape)
        if known == 0 or total % known:
            raise ctx.error(f"cannot reshape {in_shape} to {target}")
        resolved[resolved.index(-1)] = total // known
    if in_shape is not None and num_elements(tuple(resolved)) != num_elements(in_shape):
        raise ctx.error(f"cannot reshape {in_shape} ({num_elements(in_shape)} elements) "
                        f"to {target}")
    return tuple(resolved)


def reshape(ctx: NodeContext) -> OpResult:
    """Reshapes to a constant target shape (``0`` copies, ``-1`` infers a dimension)."""
    ctx.require_activation_at(0)
    target = ctx.constant(1, "shape")
    if target.dtype.kind not in "iu" or target.ndim != 1:
        raise ctx.error(f"shape must be a 1-D integer tensor, got {target.dtype} {target.shape}")
    allow_zero = bool(ctx.attr("allowzero", 0))
    dims = [int(d) for d in np.asarray(target)]
    return OpResult(NoOp(), _reshape_target(ctx, ctx.in_shape, dims, allow_zero))


def raw_axes(ctx: NodeContext, input_from: int = 13) -> list[int] | None:
    """The ``axes`` as written: an attribute before opset ``input_from``, input 1 from it
    (13 for Squeeze, Unsqueeze and ReduceSum, 18 for the other reductions); ``None`` when
    absent."""
    if ctx.opset < input_from:
        raw = ctx.attr("axes", None, "ints")
        return None if raw is None else [int(a) for a in raw]
    if not ctx.input_name(1):
        return None
    axes = ctx.constant(1, "axes")
    if axes.dtype.kind not in "iu" or axes.ndim > 1:
        raise ctx.error(f"axes must be a 1-D integer tensor, got {axes.dtype} {axes.shape}")
    return [int(a) for a in np.asarray(axes).reshape(-1)]


def normalised_axes(ctx: NodeContext, values: list[int], rank: int) -> list[int]:
    """``values`` as positions ``0..rank-1``; out-of-range or repeated axes are errors."""
    out = []
    for axis in values:
        if not -rank <= axis < rank:
            raise ctx.error(f"axis {axis} is out of range for rank {rank}")
        out.append(axis + rank if axis < 0 else axis)
    if len(set(out)) != len(out):
        raise ctx.error(f"axes {values} repeat an axis")
    return out


def squeeze(ctx: NodeContext) -> OpResult:
    """Drops the given dimensions of size 1 (all of them when no axes are given)."""
    ctx.require_activation_at(0)
    if ctx.in_shape is None:
        return OpResult(NoOp(), None)
    shape = ctx.in_shape
    values = raw_axes(ctx)
    if values is None:
        return OpResult(NoOp(), tuple(d for d in shape if d != 1))
    axes = normalised_axes(ctx, values, len(shape))
    for axis in axes:
        if shape[axis] != 1:
            raise ctx.error(f"cannot squeeze axis {axis} of shape {shape}: its size is not 1")
    return OpResult(NoOp(), tuple(d for i, d in enumerate(shape) if i not in axes))


def unsqueeze(ctx: NodeContext) -> OpResult:
    """Inserts dimensions of size 1 at the given positions of the output."""
    ctx.require_activation_at(0)
    if ctx.in_shape is None:
        return OpResult(NoOp(), None)
    values = raw_axes(ctx)
    if values is None:
        raise ctx.error("axes are required")
    rank = len(ctx.in_shape) + len(values)  # the axes index the output
    axes = normalised_axes(ctx, values, rank)
    dims = iter(ctx.in_shape)
    return OpResult(NoOp(), tuple(1 if i in axes else next(dims) for i in range(rank)))
