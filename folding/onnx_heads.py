"""The output heads of an ONNX graph (:mod:`folding.heads`): found before import, checked
after it.

Walking back from every graph output through head operators (``Softmax``, ``LogSoftmax``,
``Sigmoid``, ``ArgMax``, scikit-learn's ``ArrayFeatureExtractor`` of class labels and
``ZipMap``, and the shape-only ``Identity``, ``Cast``, ``Reshape``, ``Flatten``,
``Squeeze``, ``Unsqueeze`` between them) must end at one tensor, the logits. The import then
treats the logits as the graph's one output, and the head nodes as outside the chain; once
the chain's shapes are known, :func:`build_heads` checks each head node against them (a
softmax over the vector, an argmax over its last axis, labels for every class) and turns
the chains into :class:`folding.heads.Head` values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

from folding.errors import ModelImportError
from folding.heads import Head, HeadOp
from folding.ops.base import FLOAT_TYPES, NodeContext, Shape, is_vector, qualified_op
from folding.ops.constants import ConstantTable
from folding.ops.shape import flatten, normalised_axes, reshape, squeeze, unsqueeze

_VALUE_OPS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid",
              "ArgMax": "argmax", "ai.onnx.ml.ArrayFeatureExtractor": "classes",
              "ai.onnx.ml.ZipMap": "zipmap"}
_SHAPE_OPS = {"Identity": None, "Cast": None, "Reshape": reshape, "Flatten": flatten,
              "Squeeze": squeeze, "Unsqueeze": unsqueeze}


@dataclass(frozen=True)
class HeadSplit:
    """Where the heads of a graph start.

    Attributes:
        logits: The tensor every output is computed from: the import's output.
        chains: Per graph output, in graph-output order, its head nodes from the logits on.
        nodes: Every head node (indices into the graph).
    """

    logits: str
    chains: tuple[tuple[str, tuple[int, ...]], ...]
    nodes: frozenset[int]


def find_heads(graph: onnx.GraphProto, constants: ConstantTable, consumed: set[int],
               ) -> HeadSplit | None:
    """The heads of ``graph``, or ``None`` when it has none (one output, no head operator
    before it) or its outputs do not come from one tensor (the import then says so)."""
    producer = {name: index for index, node in enumerate(graph.node) if index not in consumed
                for name in node.output if name}
    chains: list[tuple[str, tuple[int, ...]]] = []
    starts = set()
    for output in graph.output:
        tensor, chain = str(output.name), []
        while tensor in producer and _is_head(graph.node[producer[tensor]]):
            index = producer[tensor]
            if index in chain:
                return None  # a cycle: the import's chain check names it
            chain.append(index)
            source = _activation(graph.node[index], constants)
            if source is None:
                return None
            tensor = source
        starts.add(tensor)
        chains.append((str(output.name), tuple(reversed(chain))))
    if len(starts) != 1:
        return None
    has_values = any(qualified_op(graph.node[i]) in _VALUE_OPS for _, c in chains for i in c)
    if len(chains) == 1 and not has_values:
        return None
    nodes = frozenset(i for _, chain in chains for i in chain)
    # A head node's outputs may feed only head nodes and graph outputs.
    outputs = {str(o.name) for o in graph.output}
    for index, node in enumerate(graph.node):
        if index in nodes or index in consumed:
            continue
        if any(name in outputs or producer.get(name) in nodes for name in node.input if name):
            return None
    return HeadSplit(logits=starts.pop(), chains=tuple(chains), nodes=nodes)


def _is_head(node: onnx.NodeProto) -> bool:
    op = qualified_op(node)
    return op in _VALUE_OPS or op in _SHAPE_OPS


def _activation(node: onnx.NodeProto, constants: ConstantTable) -> str | None:
    """The one non-constant input of a head node (an ``ArrayFeatureExtractor``'s index)."""
    dynamic = [name for name in node.input if name and not constants.has(name)]
    return str(dynamic[0]) if len(dynamic) == 1 else None


def build_heads(graph: onnx.GraphProto, split: HeadSplit, logits_shape: Shape | None,
                width: int | None, constants: ConstantTable, opset: int,
                names: dict[int, str],
                ) -> tuple[tuple[Head, ...], dict[int, str], list[ModelImportError]]:
    """Checks every head chain against the logits' shape and builds the heads (``width``
    is the last layer's, ``None`` if the model has no layer).

    Returns:
        The heads (empty when any chain failed), what each head node produces (for
        ``folding inspect``), and the errors, each naming its node.
    """
    heads: list[Head] = []
    served: dict[int, tuple[list[str], str]] = {}  # node -> (the outputs it serves, its op)
    errors: list[ModelImportError] = []
    for output, chain in split.chains:
        shape, kind = logits_shape, "logits"
        ops: list[HeadOp] = []
        try:
            for index in chain:
                node = graph.node[index]
                ctx = NodeContext(node=node, name=names[index], activation=_activation(
                    node, constants) or "", in_shape=shape, constants=constants, opset=opset,
                    supported=())
                op, shape, kind = _head_op(ctx, shape, kind)
                if op is not None:
                    ops.append(op)
                served.setdefault(index, ([], op.op if op else ""))[0].append(output)
            if width is not None:
                heads.append(_head(output, tuple(ops), width, names[chain[-1]] if chain
                                   else output))
        except ModelImportError as exc:
            errors.append(exc)
    produces = {index: f"head {op or '(shape)'} -> " + ", ".join(map(repr, outputs))
                for index, (outputs, op) in served.items()}
    return (tuple(heads) if not errors else ()), produces, errors


def _head(output: str, ops: tuple[HeadOp, ...], width: int, node: str) -> Head:
    try:
        return Head(output=output, ops=ops, width=width)
    except ValueError as exc:
        raise ModelImportError(f"output {output!r}: {exc}", node=node) from exc


def _head_op(ctx: NodeContext, shape: Shape | None, kind: str,
             ) -> tuple[HeadOp | None, Shape | None, str]:
    """One head node: its operation (``None`` for shape-only nodes), the shape and kind
    (``logits``/``probabilities``, ``index``, ``labels``, ``map``) of what it makes."""
    op = qualified_op(ctx.node)
    if op in _SHAPE_OPS:
        if op == "Cast":
            to = int(ctx.attr("to", 0))
            if kind in ("logits", "probabilities") and to not in FLOAT_TYPES:
                raise ctx.error("casting the model's float output to an integer type rounds "
                                "it; only casts between float types, or of an ArgMax's "
                                "index, are supported")
            return None, shape, kind
        handler = _SHAPE_OPS[op]
        if handler is None or kind == "map":
            return None, shape, kind
        return None, handler(ctx).out_shape, kind
    if kind == "map":
        raise ctx.error("nothing may follow a ZipMap but shape operators")
    if op in ("Softmax", "LogSoftmax", "Sigmoid", "ArgMax"):
        if kind not in ("logits", "probabilities"):
            raise ctx.error(f"{op} of {kind} (after an ArgMax or a label lookup) is not "
                            f"supported")
        if shape is None:
            raise ctx.error("the shape of its input is unknown")
        if not is_vector(shape):
            raise ctx.error(f"the head acts on the whole output vector, but its input has "
                            f"shape {list(shape)}")
        if op != "Sigmoid":
            _check_last_axis(ctx, shape, op)
        if op == "ArgMax":
            if int(ctx.attr("select_last_index", 0)):
                raise ctx.unsupported("select_last_index=1 is not supported (ties go to the "
                                      "first index)")
            keep = int(ctx.attr("keepdims", 1))
            return HeadOp("argmax"), (*shape[:-1], 1) if keep else shape[:-1], "index"
        return HeadOp(_VALUE_OPS[op]), shape, "probabilities"
    if op == "ai.onnx.ml.ArrayFeatureExtractor":
        if kind != "index" or ctx.input_name(1) != ctx.activation:
            raise ctx.error("only a lookup of class labels by an ArgMax's index is supported")
        labels = ctx.constant(0, "the class labels")
        return HeadOp("classes", classes=_labels(ctx, labels)), shape, "labels"
    # ZipMap
    if kind not in ("logits", "probabilities"):
        raise ctx.error(f"a ZipMap of {kind} is not supported")
    ints = ctx.attr("classlabels_int64s", None, "ints")
    strings = ctx.attr("classlabels_strings", None, "strings")
    raw = ints if ints is not None else strings
    if raw is None or (ints is not None and strings is not None):
        raise ctx.error("a ZipMap needs exactly one of classlabels_int64s and "
                        "classlabels_strings")
    names = _labels(ctx, np.asarray([r.decode() if isinstance(r, bytes) else r for r in raw]))
    if shape is not None and int(np.prod(shape)) != len(names):
        raise ctx.error(f"{len(names)} class labels for an output of shape {list(shape)}")
    return HeadOp("zipmap", classes=names), shape, "map"


def _check_last_axis(ctx: NodeContext, shape: Shape, op: str) -> None:
    rank = len(shape)
    default = 0 if op == "ArgMax" else (-1 if ctx.opset >= 13 else 1)
    axis = normalised_axes(ctx, [int(ctx.attr("axis", default))], rank)[0]
    # Before opset 13 Softmax flattens from `axis` on: any axis up to the vector's is fine.
    covers = axis == rank - 1 or (op != "ArgMax" and ctx.opset < 13
                                  and all(d == 1 for d in shape[:axis]))
    if not covers:
        raise ctx.error(f"axis {axis} of an output of shape {list(shape)}: the head must act "
                        f"over the vector's last axis")


def _labels(ctx: NodeContext, raw: np.ndarray) -> tuple[int | str, ...]:
    values = np.asarray(raw).reshape(-1)
    if values.dtype.kind in "iu":
        return tuple(int(v) for v in values)
    if values.dtype.kind in "USO":
        return tuple(v.decode() if isinstance(v, bytes) else str(v) for v in values)
    raise ctx.error(f"class labels must be integers or strings, got {values.dtype}")
