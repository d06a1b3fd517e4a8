"""Normalisation before import: exporters' shape arithmetic and constant subgraphs folded away.

Exporters write computations on constants into the graph: PyTorch's reshape before a
classifier is ``Shape -> Gather -> Unsqueeze -> Concat -> Reshape``, a weight may arrive as
``Reshape(initializer)`` or ``Transpose(initializer)``, an opset-13 ``Squeeze`` takes its
axes from a ``Constant``. None of it depends on the input's values, only (for ``Shape`` and
``Size``) on its shape, which the importer fixes (batch 1). This pass turns every such node
into an initializer, so that the op handlers only ever see computations on the activation.

How, with onnx's own tools (no code of ours evaluates an operator):

1. the graph input's unknown dimensions are pinned to 1 (the importer proves one sample);
2. ``onnx.shape_inference`` (with data propagation) gives every value's static shape;
3. a ``Shape`` or ``Size`` node whose input shape is fully known becomes that constant; a
   node whose inputs are all constants is evaluated by ``onnx.reference.ReferenceEvaluator``
   (the specification's reference implementation) and becomes its outputs;
4. repeated until nothing changes (a folded ``Shape`` makes its consumers constant).

What is never folded: nodes of another domain, nondeterministic operators (``Random*``,
``Bernoulli``, ``Multinomial``), nodes with subgraphs, nodes that read a tensor stored as
external data (the constant pass reads those under its own rules), and results with more
than :data:`MAX_FOLDED_ELEMENTS` elements (an ``Expand`` to a huge constant stays a node and
meets its handler's error). A node the reference evaluator cannot run is left as it is: the
importer then reports it as it would have without this pass. So normalisation can only turn
a model the importer refused into one it accepts; it never changes what a model computes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from folding.ops.constants import MAX_PARAMETERS

__all__ = ["MAX_FOLDED_ELEMENTS", "Normalized", "normalize"]

#: Largest result (in elements) a node is folded into.
MAX_FOLDED_ELEMENTS = MAX_PARAMETERS

_DEFAULT_DOMAINS = ("", "ai.onnx")
_NONDETERMINISTIC = frozenset({
    "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Bernoulli",
    "Multinomial",
})
#: Folding rounds before giving up (each round folds at least one node, so a graph of N
#: nodes needs at most N; real exporters' chains need a handful).
_MAX_ROUNDS = 64


@dataclass(frozen=True)
class Normalized:
    """The normalised model and what the pass did.

    Attributes:
        model: The model with constant subgraphs replaced by initializers.
        folded: The names of the nodes folded away, in graph order.
    """

    model: onnx.ModelProto
    folded: tuple[str, ...]


def normalize(model: onnx.ModelProto) -> Normalized:
    """Folds every node that does not depend on the input's values (see the module doc).

    Never raises for a malformed model: whatever the pass cannot understand is left for the
    importer's own checks, which name the node or field.
    """
    if not any(_candidate(node, _constant_names(model.graph)) for node in model.graph.node):
        return Normalized(model=model, folded=())  # the common case: nothing to copy
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    opsets = [onnx.helper.make_opsetid(o.domain, o.version) for o in out.opset_import
              if o.domain in _DEFAULT_DOMAINS]
    _pin_batch_dim(graph)
    # Unnamed nodes keep the name the importer generates from their original position.
    for index, node in enumerate(graph.node):
        if not node.name:
            node.name = f"node{index}_{node.op_type}"
    folded: list[str] = []
    for _ in range(_MAX_ROUNDS):
        constants = _constant_names(graph)
        shapes: dict[str, tuple[int, ...]] | None = None  # inferred when a Shape needs them
        changed = False
        kept: list[onnx.NodeProto] = []
        for node in graph.node:
            if node.op_type in ("Shape", "Size") and shapes is None:
                shapes = _static_shapes(out)
            values = _fold(node, constants, shapes or {}, opsets)
            if values is None:
                kept.append(node)
                continue
            for name, value in values.items():
                tensor = numpy_helper.from_array(value, name)
                graph.initializer.append(tensor)
                if out.ir_version < 4:  # where every initializer must also be an input
                    graph.input.append(onnx.helper.make_tensor_value_info(
                        name, tensor.data_type, list(tensor.dims)))
                constants[name] = tensor
            folded.append(node.name)
            changed = True
        if not changed:
            break
        del graph.node[:]
        graph.node.extend(kept)
    _drop_unused_constants(graph)
    return Normalized(model=out, folded=tuple(folded))


def _candidate(node: onnx.NodeProto, constants: dict[str, onnx.TensorProto]) -> bool:
    """Whether a node might fold (a cheap test, before the model is copied)."""
    if not _foldable(node) or node.op_type == "Constant":
        return False
    if node.op_type in ("Shape", "Size"):
        return True
    inputs = [name for name in node.input if name]
    return bool(inputs) and all(name in constants for name in inputs)


def _pin_batch_dim(graph: onnx.GraphProto) -> None:
    """A symbolic or unknown batch dimension (the first of a rank >= 2 input) becomes 1, as
    the importer reads it; feature dimensions are left for the importer to check."""
    initializers = {t.name for t in graph.initializer}
    for value in graph.input:
        if value.name in initializers or not value.type.HasField("tensor_type"):
            continue
        tensor_type = value.type.tensor_type
        if not tensor_type.HasField("shape") or len(tensor_type.shape.dim) < 2:
            continue
        batch = tensor_type.shape.dim[0]
        if not batch.HasField("dim_value") or batch.dim_value <= 0:
            batch.Clear()
            batch.dim_value = 1


def _constant_names(graph: onnx.GraphProto) -> dict[str, onnx.TensorProto]:
    """Initializers and the values of ``Constant`` nodes (which stay nodes: the importer
    reads them itself). An initializer also listed as a graph input (required before IR
    version 4) is a constant too, as the importer reads it: a proof is of fixed weights."""
    constants = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type != "Constant" or node.domain not in _DEFAULT_DOMAINS:
            continue
        if len(node.output) != 1 or len(node.attribute) != 1:
            continue
        attr = node.attribute[0]
        if attr.name == "value" and attr.type == onnx.AttributeProto.TENSOR:
            tensor = onnx.TensorProto()
            tensor.CopyFrom(attr.t)
            tensor.name = node.output[0]
            constants[node.output[0]] = tensor
    return constants


def _static_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Every value's shape that shape inference fixes completely."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception:  # noqa: BLE001 - a model inference cannot read is the importer's to report
        return {}
    shapes: dict[str, tuple[int, ...]] = {}
    graph = inferred.graph
    for value in (*graph.input, *graph.value_info, *graph.output):
        if not value.type.HasField("tensor_type"):
            continue
        tensor_type = value.type.tensor_type
        if not tensor_type.HasField("shape"):
            continue
        dims = tensor_type.shape.dim
        if all(d.HasField("dim_value") and d.dim_value >= 0 for d in dims):
            shapes[value.name] = tuple(int(d.dim_value) for d in dims)
    return shapes


def _foldable(node: onnx.NodeProto) -> bool:
    if node.domain not in _DEFAULT_DOMAINS or node.op_type in _NONDETERMINISTIC:
        return False
    return not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                   for a in node.attribute)


def _fold(node: onnx.NodeProto, constants: dict[str, onnx.TensorProto],
          shapes: dict[str, tuple[int, ...]], opsets: list[onnx.OperatorSetIdProto],
          ) -> dict[str, np.ndarray] | None:
    """The node's outputs as arrays when they are constants, else None."""
    if (not _foldable(node) or node.op_type == "Constant" or not node.output
            or any(not o for o in node.output)):
        return None
    if node.op_type in ("Shape", "Size") and len(node.input) == 1:
        return _fold_shape(node, shapes)
    inputs = [name for name in node.input if name]
    if not inputs or any(i not in constants for i in inputs):
        return None
    if any(constants[i].data_location == onnx.TensorProto.EXTERNAL for i in inputs):
        return None
    return _evaluate(node, [constants[i] for i in inputs], opsets)


def _fold_shape(node: onnx.NodeProto, shapes: dict[str, tuple[int, ...]],
                ) -> dict[str, np.ndarray] | None:
    shape = shapes.get(node.input[0])
    if shape is None:
        return None
    if node.op_type == "Size":
        return {node.output[0]: np.array(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)}
    attrs = {a.name: a.i for a in node.attribute if a.type == onnx.AttributeProto.INT}
    rank = len(shape)
    start, end = attrs.get("start", 0), attrs.get("end", rank)
    start, end = (max(0, min(rank, v + rank if v < 0 else v)) for v in (start, end))
    return {node.output[0]: np.array(shape[start:end], dtype=np.int64)}


def _evaluate(node: onnx.NodeProto, inputs: list[onnx.TensorProto],
              opsets: list[onnx.OperatorSetIdProto]) -> dict[str, np.ndarray] | None:
    """Runs one node with the reference evaluator; None if it cannot or the result is large."""
    from onnx.reference import ReferenceEvaluator

    names = [i for i in node.input if i]
    sub = onnx.helper.make_graph(
        [node], "fold",
        [onnx.helper.make_tensor_value_info(n, t.data_type, list(t.dims))
         for n, t in zip(names, inputs, strict=True)],
        [onnx.helper.make_empty_tensor_value_info(o) for o in node.output])
    try:
        feeds = {n: numpy_helper.to_array(t) for n, t in zip(names, inputs, strict=True)}
        if sum(int(np.size(v)) for v in feeds.values()) > MAX_FOLDED_ELEMENTS:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            evaluator = ReferenceEvaluator(onnx.helper.make_model(sub, opset_imports=opsets))
            results = evaluator.run(None, feeds)
    except Exception:  # noqa: BLE001 - whatever the evaluator cannot run stays a node
        return None
    values: dict[str, np.ndarray] = {}
    for name, value in zip(node.output, results, strict=True):
        array = np.asarray(value)
        if array.dtype == object or array.size > MAX_FOLDED_ELEMENTS:
            return None
        values[name] = array
    return values


def _drop_unused_constants(graph: onnx.GraphProto) -> None:
    """Initializers and ``Constant`` nodes that only fed folded nodes, removed."""
    used = {name for node in graph.node for name in node.input}
    used |= {v.name for v in graph.output}
    nodes = [n for n in graph.node
             if n.op_type != "Constant" or any(o in used for o in n.output)]
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name in used]
    dropped = {t.name for t in graph.initializer} - {t.name for t in kept}
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # ... and their listing as graph inputs (IR < 4 lists every initializer there)
    inputs = [v for v in graph.input if v.name not in dropped]
    del graph.input[:]
    graph.input.extend(inputs)
