"""ONNX import: turns a model's bytes into a :class:`folding.ir.FloatModel`.

The import runs as separate passes over the decoded graph:

1. model checks: opset of the default domain, every operator in the handler table;
2. constants: external data, then normalisation (:mod:`folding.onnx_normalize`: every
   subgraph that does not depend on the input's values folded into constants), then
   initializers and Constant nodes (:mod:`folding.ops.constants`);
3. structure: one input, one output, a single chain between them;
4. per node, in graph order: the handler (:mod:`folding.ops`) validates the node, reads its
   constants and infers its output shape; then fusion turns the handlers' actions into dense
   layers (MatMul + Add share a layer; Relu is fused into the layer it follows);
5. the result: at least one layer, one output vector of the declared width;
6. ``onnx.checker``, on a model that passed everything else.

Every pass records its errors instead of raising, so :func:`inspect_onnx` can list every
problem of a model; :func:`load_onnx` raises the one that comes first in the pass order
above (for example an unsupported operator before a shape error it may have caused).
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import onnx
from google.protobuf.message import DecodeError  # type: ignore[import-untyped,unused-ignore]

from folding.errors import ModelImportError, UnsupportedOperatorError
from folding.heads import Head, heads_to_list
from folding.ir import FloatModel
from folding.onnx_fusion import Fuser, LayerBuilder
from folding.onnx_heads import HeadSplit, build_heads, find_heads
from folding.onnx_normalize import normalize
from folding.ops import HANDLERS, SUPPORTED_OPS
from folding.ops.base import (
    FLOAT_TYPES,
    NodeContext,
    NoOp,
    Shape,
    num_elements,
    qualified_op,
)
from folding.ops.constants import (
    MAX_PARAMETERS,
    ConstantTable,
    build_constant_table,
    resolve_external_data,
)
from folding.ops.hints import hint

__all__ = [
    "MAX_OPSET",
    "MAX_PARAMETERS",
    "MAX_WIDTH",
    "MIN_OPSET",
    "SUPPORTED_OPS",
    "InspectReport",
    "LayerInfo",
    "NodeInfo",
    "inspect_onnx",
    "load_onnx",
]

MIN_OPSET = 7
MAX_OPSET = 23
#: Largest input or output width of one layer.
MAX_WIDTH = 1 << 20
_DEFAULT_DOMAINS = ("", "ai.onnx")

# Pass order: load_onnx raises the recorded error of the lowest stage first.
_STAGE_MODEL = 0
_STAGE_OPERATORS = 1
_STAGE_CONSTANTS = 2
_STAGE_STRUCTURE = 3
_STAGE_NODES = 4
_STAGE_RESULT = 5
_STAGE_CHECKER = 6

DimSpec = int | str | None


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeInfo:
    """One node as :func:`inspect_onnx` sees it.

    Attributes:
        index: Position in the graph.
        name: The node name (or the generated ``node{index}_{op_type}``).
        op_type: The operator, prefixed with its domain when not the default one.
        status: ``"supported"``, ``"no-op"``, ``"unsupported"`` or ``"error"`` (a supported
            operator used in a way that cannot be imported; see ``message``).
        produces: What the node contributes: ``"layer 0: dense 784->256"``,
            ``"bias of layer 0"``, ``"ReLU of layer 0"``, ``"constant"`` or ``""``.
        message: The error, when there is one.
    """

    index: int
    name: str
    op_type: str
    status: str
    produces: str
    message: str | None


@dataclass(frozen=True)
class LayerInfo:
    """One layer the model would import as."""

    index: int
    name: str
    in_dim: int
    out_dim: int
    relu: bool
    parameters: int
    kind: str = "dense"
    description: str = ""
    skip_from: int | None = None


@dataclass(frozen=True)
class InspectReport:
    """What :func:`load_onnx` would make of a model, node by node.

    Attributes:
        producer: ``producer_name`` and ``producer_version`` of the model.
        ir_version: The ONNX IR version.
        opset: The default-domain opset, if declared.
        input_name: The graph input, if there is exactly one.
        input_shape: Its declared shape (ints, symbolic names, or None for unknown dims).
        output_name: The graph output, if there is exactly one.
        nodes: Every node, in graph order.
        layers: The dense layers the model would produce (possibly partial).
        problems: Every problem found, in the order :func:`load_onnx` meets them.
        error: The error :func:`load_onnx` would raise; ``None`` when the model loads.
        folded: The nodes that did not depend on the input's values and were folded into
            constants before import (:mod:`folding.onnx_normalize`); ``nodes`` lists the
            graph that remains.
        heads: The model's outputs computed from the logits (``output_name``) by head
            operators (:mod:`folding.heads`), when it has any.
    """

    producer: str
    ir_version: int
    opset: int | None
    input_name: str | None
    input_shape: tuple[DimSpec, ...] | None
    output_name: str | None
    nodes: tuple[NodeInfo, ...]
    layers: tuple[LayerInfo, ...]
    problems: tuple[str, ...]
    error: str | None
    folded: tuple[str, ...] = ()
    heads: tuple[Head, ...] = ()

    @property
    def loadable(self) -> bool:
        """Whether :func:`load_onnx` accepts the model."""
        return self.error is None

    @property
    def num_parameters(self) -> int:
        """Weights and biases of the layers found."""
        return sum(layer.parameters for layer in self.layers)

    @property
    def unsupported_ops(self) -> tuple[str, ...]:
        """The distinct unsupported operator types, sorted."""
        return tuple(sorted({n.op_type for n in self.nodes if n.status == "unsupported"}))

    def to_dict(self) -> dict[str, Any]:
        """Returns the report as a JSON-able dict (for ``folding inspect --json``)."""
        return {
            "producer": self.producer,
            "ir_version": self.ir_version,
            "opset": self.opset,
            "input_name": self.input_name,
            "input_shape": list(self.input_shape) if self.input_shape is not None else None,
            "output_name": self.output_name,
            "loadable": self.loadable,
            "error": self.error,
            "num_parameters": self.num_parameters,
            "unsupported_ops": list(self.unsupported_ops),
            "supported_ops": list(SUPPORTED_OPS),
            "nodes": [asdict(node) for node in self.nodes],
            "layers": [asdict(layer) for layer in self.layers],
            "problems": list(self.problems),
            "folded": list(self.folded),
            "heads": heads_to_list(self.heads),
        }

    def format(self) -> str:
        """Returns a readable text table (for ``folding inspect``)."""
        shape = ("?" if self.input_shape is None else
                 "[" + ", ".join("?" if d is None else str(d) for d in self.input_shape) + "]")
        lines = [
            (f"producer: {self.producer or '?'}   IR version: {self.ir_version}   "
             f"opset: {self.opset if self.opset is not None else '?'}"),
            f"input: {self.input_name!r} {shape}   output: {self.output_name!r}"
            + ("" if not self.heads else " (logits), then the heads "
               + ", ".join(f"{h.output!r} ({' > '.join(op.op for op in h.ops) or 'as is'})"
                           for h in self.heads)),
        ]
        if self.folded:
            lines.append(f"folded into constants before import ({len(self.folded)}): "
                         + ", ".join(self.folded[:8]) + (", ..." if len(self.folded) > 8 else ""))
        lines += ["", f"nodes ({len(self.nodes)}):"]
        lines += _table(
            ("#", "name", "op", "status", "produces"),
            [(str(n.index), n.name, n.op_type, n.status, n.produces) for n in self.nodes],
        )
        lines += ["", f"layers ({len(self.layers)}), {self.num_parameters:,} parameters:"]
        lines += _table(
            ("#", "name", "layer", "relu", "residual", "params"),
            [(str(la.index), la.name, la.description or f"{la.in_dim}->{la.out_dim}",
              "yes" if la.relu else "no",
              "" if la.skip_from is None else f"+ input of {la.skip_from}",
              f"{la.parameters:,}") for la in self.layers],
        )
        if self.problems:
            lines += ["", f"problems ({len(self.problems)}):"]
            lines += [f"  - {problem}" for problem in self.problems]
        lines += ["", "result: loadable" if self.loadable else f"result: NOT loadable: "
                  f"{self.error}"]
        return "\n".join(lines)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Left-aligned text columns, names cut at 40 characters."""
    cells = [header] + [tuple(cell[:40] for cell in row) for row in rows]
    widths = [max(len(row[col]) for row in cells) for col in range(len(header))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in cells]


# --------------------------------------------------------------------------------------------
# Analysis state
# --------------------------------------------------------------------------------------------


@dataclass
class _Analysis:
    """Everything the passes found; shared by load_onnx and inspect_onnx."""

    model: onnx.ModelProto
    opset: int | None = None
    input_name: str | None = None
    input_dims: tuple[DimSpec, ...] | None = None
    input_shape: Shape | None = None
    output_name: str | None = None
    nodes: list[NodeInfo] = field(default_factory=list)
    layers: list[LayerBuilder] = field(default_factory=list)
    problems: list[tuple[int, ModelImportError]] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)
    head_split: HeadSplit | None = None
    heads: tuple[Head, ...] = ()

    def record(self, stage: int, error: ModelImportError) -> None:
        self.problems.append((stage, error))

    def first_error(self) -> ModelImportError | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda item: item[0])[1]


def _text(value: str | bytes) -> str:
    """A protobuf string field as text (protobuf hands back bytes when it is not UTF-8)."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _producer(model: onnx.ModelProto) -> str:
    """``producer_name producer_version``, or ``"?"`` when they are not UTF-8."""
    try:
        return " ".join(_text(p) for p in (model.producer_name, model.producer_version) if p)
    except UnicodeDecodeError:
        return "?"


def _node_name(index: int, node: onnx.NodeProto) -> str:
    return _text(node.name) or f"node{index}_{_text(node.op_type)}"


# --------------------------------------------------------------------------------------------
# Passes
# --------------------------------------------------------------------------------------------


def _decode(data: bytes | bytearray | memoryview) -> onnx.ModelProto:
    """Parses the protobuf, turning every failure into ModelImportError."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModelImportError(f"expected the model as bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ModelImportError("the model is empty (0 bytes)")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(bytes(data))
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise ModelImportError(f"not a valid ONNX model (protobuf decoding failed: {exc})"
                               ) from exc
    if not model.HasField("graph"):
        raise ModelImportError("not a valid ONNX model (it has no graph)")
    return model


def _check_opset(analysis: _Analysis) -> None:
    versions = [entry.version for entry in analysis.model.opset_import
                if entry.domain in _DEFAULT_DOMAINS]
    if not versions:
        analysis.record(_STAGE_MODEL, ModelImportError(
            "the model declares no opset for the default ONNX domain"))
        return
    analysis.opset = int(versions[0])
    if not MIN_OPSET <= analysis.opset <= MAX_OPSET:
        analysis.record(_STAGE_MODEL, ModelImportError(
            f"opset {analysis.opset} is not supported (supported: {MIN_OPSET} to {MAX_OPSET})"))


def _dims(value_info: onnx.ValueInfoProto) -> tuple[DimSpec, ...] | None:
    """The declared shape of a graph input or output, or None if it has none."""
    tensor_type = value_info.type.tensor_type
    if not value_info.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
        return None
    dims: list[DimSpec] = []
    for dim in tensor_type.shape.dim:
        if dim.HasField("dim_value"):
            dims.append(int(dim.dim_value))
        else:
            dims.append(str(dim.dim_param) or None)
    return tuple(dims)


def _sample_shape(name: str, dims: tuple[DimSpec, ...] | None) -> Shape:
    """The per-sample shape of the input: batch (1, symbolic or absent) as 1."""
    if dims is None or not dims:
        raise ModelImportError("the input must declare a tensor shape of rank >= 1", node=name)
    batch, features = (None, dims) if len(dims) == 1 else (dims[0], dims[1:])
    if isinstance(batch, int) and batch != 1:
        raise ModelImportError(
            f"batch dimension is {batch}; only 1, symbolic or absent is supported", node=name)
    sizes: list[int] = []
    for dim in features:
        if not isinstance(dim, int) or dim <= 0:
            raise ModelImportError(
                f"input shape {list(dims)} must have fixed positive feature dimensions",
                node=name)
        sizes.append(dim)
    shape = tuple(sizes) if len(dims) == 1 else (1, *sizes)
    if num_elements(shape) > MAX_WIDTH:
        raise ModelImportError(f"input has {num_elements(shape)} elements (limit {MAX_WIDTH})",
                               node=name)
    return shape


def _check_io(analysis: _Analysis, constants: ConstantTable) -> None:
    graph = analysis.model.graph
    inputs = [vi for vi in graph.input if not constants.has(vi.name)]
    if len(inputs) != 1:
        names = ", ".join(repr(vi.name) for vi in inputs) or "none"
        analysis.record(_STAGE_STRUCTURE, ModelImportError(
            f"the graph must have exactly one input, it has {len(inputs)} ({names})"))
    else:
        value_info = inputs[0]
        analysis.input_name = str(value_info.name)
        analysis.input_dims = _dims(value_info)
        elem_type = value_info.type.tensor_type.elem_type
        try:
            if elem_type not in FLOAT_TYPES:
                raise ModelImportError(
                    f"input type {onnx.TensorProto.DataType.Name(elem_type)} is not a float "
                    f"type", node=analysis.input_name)
            analysis.input_shape = _sample_shape(analysis.input_name, analysis.input_dims)
        except (ModelImportError, ValueError) as exc:
            error = exc if isinstance(exc, ModelImportError) else ModelImportError(
                f"input has an unknown type: {exc}", node=analysis.input_name)
            analysis.record(_STAGE_STRUCTURE, error)
    if analysis.head_split is not None:
        # Several outputs (or one) computed from the logits by head operators.
        analysis.output_name = analysis.head_split.logits
    elif len(graph.output) != 1:
        analysis.record(_STAGE_STRUCTURE, ModelImportError(
            f"the graph must have exactly one output, it has {len(graph.output)} (several "
            f"are supported only when all are computed from one output vector by head "
            f"operators: Softmax, ArgMax, class labels, ...)"))
    else:
        analysis.output_name = str(graph.output[0].name)


def _check_chain(analysis: _Analysis, constants: ConstantTable, consumed: set[int],
                 ) -> list[int] | None:
    """Checks that the non-constant nodes form one chain from the input to the output, where
    an ``Add`` may also take an earlier tensor of the chain (a residual connection).

    Returns:
        The node indices in chain order, or None (with the problem recorded) if they do not.
    """
    graph = analysis.model.graph
    start, end = analysis.input_name, analysis.output_name
    if start is None or end is None:
        return None  # already recorded by _check_io
    consumers: defaultdict[str, list[int]] = defaultdict(list)
    for index, node in enumerate(graph.node):
        if index not in consumed:
            for name in dict.fromkeys(node.input):
                if name and not constants.has(name):
                    consumers[name].append(index)

    def fail(message: str, index: int | None = None) -> None:
        node = None if index is None else _node_name(index, graph.node[index])
        analysis.record(_STAGE_STRUCTURE, ModelImportError(
            message + "; only a single chain from one input to one output (with residual "
            "Add connections) is supported", node=node))

    def dynamic_inputs(index: int) -> list[str]:
        return [name for name in dict.fromkeys(graph.node[index].input)
                if name and not constants.has(name)]

    chain: list[int] = []
    on_chain = {start}  # tensors the chain has produced so far
    # Adds waiting for the chain to reach their other input, with the tensor they skip from.
    skip_users: dict[int, str] = {}
    current = start
    while True:
        users = [u for u in consumers.get(current, []) if skip_users.get(u) != current]
        # An Add that takes this tensor and another one not produced yet is a residual
        # connection's far end: the chain continues through the other user.
        for user in list(users):
            node = graph.node[user]
            others = [name for name in dynamic_inputs(user) if name != current]
            if (qualified_op(node) == "Add" and len(others) == 1 and others[0] not in on_chain
                    and len(users) > 1):
                skip_users[user] = current
                users.remove(user)
        if current == end:
            if users:
                fail(f"consumes the graph output {current!r}", users[0])
                return None
            break
        if not users:
            fail(f"tensor {current!r} is neither consumed nor the graph output",
                 chain[-1] if chain else None)
            return None
        if len(users) > 1:
            names = ", ".join(repr(_node_name(i, graph.node[i])) for i in users)
            fail(f"tensor {current!r} branches into {len(users)} nodes ({names})", users[1])
            return None
        index = users[0]
        if index in chain:
            fail("the graph has a cycle", index)
            return None
        chain.append(index)
        node = graph.node[index]
        dynamic = dynamic_inputs(index)
        residual = (qualified_op(node) == "Add" and len(dynamic) == 2
                    and all(name in on_chain for name in dynamic))
        if len(dynamic) > 1 and not residual:
            fail(f"takes {len(dynamic)} activations ({', '.join(map(repr, dynamic))})", index)
            return None
        skip_users.pop(index, None)
        if not node.output or not node.output[0]:
            fail("has no output", index)
            return None
        for extra in node.output[1:]:
            if extra and (consumers.get(extra) or extra == end):
                user = consumers[extra][0] if consumers.get(extra) else index
                fail(f"uses the secondary output {extra!r} of {_node_name(index, node)!r}",
                     user)
                return None
        current = str(node.output[0])
        on_chain.add(current)
    if skip_users:
        fail("adds an activation that the chain never reaches", min(skip_users))
        return None
    chained = set(chain)
    for index in range(len(graph.node)):
        if index not in consumed and index not in chained:
            fail(f"is not on the chain from {start!r} to {end!r}", index)
            return None
    return chain


def _check_with_onnx(analysis: _Analysis) -> None:
    """Runs onnx.checker (after external data is resolved, so it reads no files itself)."""
    try:
        onnx.checker.check_model(analysis.model)
    except (onnx.checker.ValidationError, ValueError) as exc:  # ValueError: over 2 GiB
        analysis.record(_STAGE_CHECKER, ModelImportError(
            f"the ONNX checker rejects the model: {exc}"))


def _walk_nodes(analysis: _Analysis, constants: ConstantTable, consumed: set[int],
                order: list[int]) -> None:
    """Runs every node's handler in ``order`` and fuses the results into layers."""
    graph = analysis.model.graph
    shapes: dict[str, Shape | None] = {}
    if analysis.input_name is not None:
        shapes[analysis.input_name] = analysis.input_shape
    fuser = Fuser(analysis.layers, analysis.input_name, max_width=MAX_WIDTH,
                  max_parameters=MAX_PARAMETERS)
    # The chain's latest tensor, and the one before the current node (an Add's main operand).
    current: str | None = analysis.input_name
    previous: str | None = current
    for index in order:
        node = graph.node[index]
        name = _node_name(index, node)
        op_type = qualified_op(node)
        if index not in consumed and node.output:
            previous, current = current, str(node.output[0])
        if index in consumed:
            analysis.nodes.append(NodeInfo(index, name, op_type, "supported", "constant", None))
            continue
        handler = HANDLERS.get(op_type)
        if handler is None:
            error: ModelImportError = UnsupportedOperatorError(
                f"operator {op_type!r} is not supported{hint(op_type)}", node=name,
                op_type=op_type, supported=SUPPORTED_OPS)
            analysis.record(_STAGE_OPERATORS, error)
            analysis.nodes.append(NodeInfo(index, name, op_type, "unsupported", "", str(error)))
            fuser.mark_failed(node)
            continue
        try:
            dynamic = [n for n in dict.fromkeys(node.input) if n and not constants.has(n)]
            other = None
            if op_type == "Add" and len(dynamic) == 2 and previous in dynamic:
                # A residual: the chain continues from `previous`; the other is earlier.
                other = dynamic[1 - dynamic.index(previous)]
                dynamic = [previous]
            if len(dynamic) != 1:
                raise ModelImportError(
                    f"{op_type}: expected exactly one non-constant input, got "
                    f"{len(dynamic)} ({', '.join(map(repr, dynamic)) or 'none'})", node=name)
            if not node.output or not node.output[0]:
                raise ModelImportError(f"{op_type}: the node has no output", node=name)
            ctx = NodeContext(node=node, name=name, activation=dynamic[0],
                              in_shape=shapes.get(dynamic[0]), constants=constants,
                              opset=analysis.opset or 0, supported=SUPPORTED_OPS,
                              other=other,
                              other_shape=None if other is None else shapes.get(other))
            result = handler(ctx)
            produces = fuser.apply(ctx, result.action, str(node.output[0]))
            shapes[node.output[0]] = result.out_shape
            status = "no-op" if isinstance(result.action, NoOp) else "supported"
            analysis.nodes.append(NodeInfo(index, name, op_type, status, produces, None))
        except ModelImportError as exc:
            unsupported = isinstance(exc, UnsupportedOperatorError)
            analysis.record(_STAGE_OPERATORS if unsupported else _STAGE_NODES, exc)
            analysis.nodes.append(NodeInfo(index, name, op_type,
                                           "unsupported" if unsupported else "error", "",
                                           str(exc)))
            fuser.mark_failed(node)
    leftover = fuser.finish()
    if leftover is not None:
        analysis.record(_STAGE_NODES, leftover)
    _check_result(analysis, shapes)
    if analysis.head_split is not None:
        _check_heads(analysis, analysis.head_split, constants, shapes)


def _check_heads(analysis: _Analysis, split: HeadSplit, constants: ConstantTable,
                 shapes: dict[str, Shape | None]) -> None:
    """Builds the output heads from the logits' shape and lists the head nodes."""
    graph = analysis.model.graph
    names = {index: _node_name(index, graph.node[index]) for index in split.nodes}
    width = analysis.layers[-1].out_dim if analysis.layers else None
    heads, produces, errors = build_heads(graph, split, shapes.get(split.logits), width,
                                          constants, analysis.opset or 0, names)
    failed = {error.node for error in errors}
    for error in errors:
        analysis.record(_STAGE_NODES, error)
    for index in sorted(split.nodes):
        node = graph.node[index]
        message = next((str(e) for e in errors if e.node == names[index]), None)
        analysis.nodes.append(NodeInfo(index, names[index], qualified_op(node),
                                       "error" if names[index] in failed else "supported",
                                       produces.get(index, ""), message))
    analysis.heads = heads if not errors else ()


def _check_result(analysis: _Analysis, shapes: dict[str, Shape | None]) -> None:
    """Checks the chain's end: at least one layer, and the last layer's outputs."""
    if not analysis.layers:
        analysis.record(_STAGE_RESULT, ModelImportError(
            "the model has no Gemm, MatMul or Conv layer", node=analysis.output_name))
        return
    if analysis.output_name is None:
        return
    width = analysis.layers[-1].out_dim
    shape = shapes.get(analysis.output_name)
    if shape is not None and num_elements(shape) != width:
        analysis.record(_STAGE_RESULT, ModelImportError(
            f"the output has shape {shape}; it must hold the last layer's {width} outputs",
            node=analysis.output_name))
    if analysis.head_split is not None:
        return  # the graph's outputs are the heads'; the logits declare no shape
    declared = _dims(analysis.model.graph.output[0])
    # Every dimension fixed (a batch of 1 included), or all but a symbolic batch.
    sizes = [d for d in (declared or ())[1:] if isinstance(d, int)]
    if declared and len(sizes) == len(declared) - 1:
        size = math.prod(sizes) * (declared[0] if isinstance(declared[0], int) else 1)
        if len(declared) == 1:
            size = declared[0] if isinstance(declared[0], int) else width
        if size != width:
            analysis.record(_STAGE_RESULT, ModelImportError(
                f"the output declares width {size} but the last layer has {width} outputs",
                node=analysis.output_name))


def _analyse(model: onnx.ModelProto, base_dir: str | os.PathLike[str] | None) -> _Analysis:
    """Runs every pass; a string field of the protobuf that is not UTF-8 (protobuf decodes
    them lazily, on first access) is the one failure that cannot be recorded and listed."""
    try:
        return _run_passes(model, base_dir)
    except UnicodeDecodeError as exc:
        raise ModelImportError(f"not a valid ONNX model (a name or string field is not "
                               f"UTF-8: {exc.reason} at byte {exc.start})") from None


def _run_passes(model: onnx.ModelProto, base_dir: str | os.PathLike[str] | None) -> _Analysis:
    analysis = _Analysis(model=model)
    _check_opset(analysis)
    for problem in resolve_external_data(model.graph, base_dir):
        analysis.record(_STAGE_CONSTANTS, problem)
    normalized = normalize(model)
    model = analysis.model = normalized.model
    analysis.folded = list(normalized.folded)
    constants, consumed = build_constant_table(model.graph)
    analysis.head_split = find_heads(model.graph, constants, consumed)
    heads = analysis.head_split.nodes if analysis.head_split is not None else frozenset()
    _check_io(analysis, constants)
    chain = _check_chain(analysis, constants, consumed | heads)
    # Along the chain when there is one (graph order need not be chain order in a malformed
    # file); otherwise in graph order, to list as much as possible.
    order = ((sorted(consumed) + chain) if chain is not None else
             [i for i in range(len(model.graph.node)) if i not in heads])
    _walk_nodes(analysis, constants, consumed, order)
    analysis.nodes.sort(key=lambda info: info.index)
    # The checker is the last line of defence for what the passes do not look at (types,
    # attribute kinds, SSA form). It runs only on a model the passes accept: on any other it
    # would restate their error (an unknown operator, unresolved external data) less clearly.
    if not analysis.problems:
        _check_with_onnx(analysis)
    return analysis


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_onnx(data: bytes, *, base_dir: str | os.PathLike[str] | None = None) -> FloatModel:
    """Imports an ONNX model as a chain of float dense layers.

    Args:
        data: The serialized ``ModelProto``.
        base_dir: The directory that holds the model's external data files. External data
            is read only from plain file names inside it; ``None`` refuses external data.

    Returns:
        The float model.

    Raises:
        UnsupportedOperatorError: For an operator (or attribute) that is not supported; it
            names the node and lists the supported operators.
        ModelImportError: For anything else that makes the model unusable (malformed bytes,
            opset outside 7..23, not a single chain, shape mismatches, non-finite weights,
            size limits, refused external data); it names the node or tensor when one is at
            fault.
    """
    analysis = _analyse(_decode(data), base_dir)
    error = analysis.first_error()
    if error is not None:
        raise error
    assert analysis.input_name is not None and analysis.output_name is not None
    assert analysis.input_shape is not None and analysis.opset is not None
    return FloatModel(
        input_name=analysis.input_name,
        output_name=analysis.output_name,
        input_dim=num_elements(analysis.input_shape),
        opset=analysis.opset,
        layers=tuple(b.build() for b in analysis.layers),
        heads=analysis.heads,
    )


def inspect_onnx(data: bytes, *, base_dir: str | os.PathLike[str] | None = None,
                 ) -> InspectReport:
    """Lists every node of a model with its support status, without raising on problems.

    Args:
        data: The serialized ``ModelProto``.
        base_dir: As for :func:`load_onnx`.

    Returns:
        The report; ``report.error`` is what :func:`load_onnx` would raise.

    Raises:
        ModelImportError: Only when ``data`` is not an ONNX model at all (it does not
            decode), since then there are no nodes to list.
    """
    model = _decode(data)
    analysis = _analyse(model, base_dir)
    error = analysis.first_error()
    # Problems in the order load_onnx meets them (stable within a stage).
    ordered = sorted(analysis.problems, key=lambda item: item[0])
    return InspectReport(
        producer=_producer(model),
        ir_version=int(model.ir_version),
        opset=analysis.opset,
        input_name=analysis.input_name,
        input_shape=analysis.input_dims,
        output_name=analysis.output_name,
        nodes=tuple(analysis.nodes),
        layers=tuple(
            LayerInfo(index=i, name=b.name, in_dim=b.in_dim, out_dim=b.out_dim, relu=b.relu,
                      parameters=b.parameters, kind=b.kind, description=b.describe(),
                      skip_from=b.skip_from)
            for i, b in enumerate(analysis.layers)),
        problems=tuple(str(problem) for _, problem in ordered),
        error=None if error is None else str(error),
        folded=tuple(analysis.folded),
        heads=analysis.heads,
    )
