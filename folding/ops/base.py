"""What an op handler sees and what it returns.

A handler is a function ``(NodeContext) -> OpResult``. It validates one node, reads its
constant operands and infers its output shape; it never looks at other nodes. What the node
*does* to the layer list is its :data:`Action`, applied afterwards by the fusion pass in
:mod:`folding.onnx_import` (so that "Relu must follow a dense layer" lives in one place).

Shapes are per-sample shapes with the batch dimension (1, symbolic or absent) taken as 1;
``None`` means unknown (only while inspecting a model that already has an error upstream).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx

from folding.errors import ModelImportError, UnsupportedOperatorError
from folding.geometry import Window2d
from folding.ir import FloatArray
from folding.ops.constants import ConstantTable

Shape = tuple[int, ...]

#: The ONNX element types of float tensors (the activation's; casts between them change
#: nothing in the fixed-point model).
FLOAT_TYPES = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16,
               onnx.TensorProto.BFLOAT16)

_DEFAULT_DOMAINS = ("", "ai.onnx")


def qualified_op(node: onnx.NodeProto) -> str:
    """The operator type, prefixed with its domain when not the default one."""
    op_type, domain = node.op_type, node.domain
    op = op_type.decode("utf-8", "replace") if isinstance(op_type, bytes) else str(op_type)
    if domain in _DEFAULT_DOMAINS:
        return op
    return f"{domain.decode('utf-8', 'replace') if isinstance(domain, bytes) else domain}.{op}"


@dataclass(frozen=True)
class Dense:
    """Start a new dense layer ``W x + b`` (``weight`` is ``[out, in]``)."""

    weight: FloatArray
    bias: FloatArray


@dataclass(frozen=True)
class AddBias:
    """Add a constant (broadcastable to ``[out]``) to the bias of the layer just produced."""

    bias: FloatArray


@dataclass(frozen=True)
class Elementwise:
    """``y = scale * x + shift`` element by element (``Mul``, ``Div``, ``Sub``, ``Neg`` or an
    ``Add`` by constants): flat arrays over the activation's row-major elements. Folded into
    the open layer before it, or else into the next layer with weights."""

    scale: FloatArray
    shift: FloatArray


@dataclass(frozen=True)
class ApplyRelu:
    """Fuse a ReLU into the layer just produced."""


@dataclass(frozen=True)
class NoOp:
    """Leave the activation data unchanged (shape-only or inference-time no-op)."""


@dataclass(frozen=True)
class Conv:
    """Start a new 2-D convolution layer (``weight`` is ``[out, in, kh, kw]``)."""

    weight: FloatArray
    bias: FloatArray
    window: Window2d


@dataclass(frozen=True)
class Pool:
    """Start a new pooling layer (``op`` is ``"max"`` or ``"avg"``); a ``then_scale``
    other than 1 multiplies its output (a ``ReduceSum``), folded into the next layer."""

    op: str
    window: Window2d
    then_scale: float = 1.0


@dataclass(frozen=True)
class ChannelAffine:
    """Multiply each output channel of the layer just produced by ``scale`` and add
    ``shift`` (an inference-time BatchNormalization, folded into that layer)."""

    scale: FloatArray
    shift: FloatArray


@dataclass(frozen=True)
class Residual:
    """Add the earlier activation ``source`` to the output of the layer just produced."""

    source: str


Action = (Dense | AddBias | ApplyRelu | NoOp | Conv | Pool | ChannelAffine | Residual
          | Elementwise)


@dataclass(frozen=True)
class OpResult:
    """A handler's verdict on one node."""

    action: Action
    out_shape: Shape | None


def is_vector(shape: Shape) -> bool:
    """Whether ``shape`` holds one vector: every dimension but the last is 1."""
    return len(shape) >= 1 and all(dim == 1 for dim in shape[:-1])


def num_elements(shape: Shape) -> int:
    """The product of the dimensions."""
    return math.prod(shape)


@dataclass(frozen=True)
class NodeContext:
    """One node, as a handler sees it.

    Attributes:
        node: The ONNX node.
        name: Its display name (``node.name`` or ``node{index}_{op_type}``).
        activation: The tensor that carries the activation into this node.
        in_shape: The activation's per-sample shape, or ``None`` if unknown.
        constants: The model's constant tensors.
        opset: The default-domain opset version.
        supported: The supported operator types (for error messages).
        other: A second activation the node takes (an ``Add`` of a residual connection),
            an earlier tensor of the chain.
        other_shape: Its shape, or ``None`` if unknown.
    """

    node: onnx.NodeProto
    name: str
    activation: str
    in_shape: Shape | None
    constants: ConstantTable
    opset: int
    supported: tuple[str, ...]
    other: str | None = None
    other_shape: Shape | None = None

    @property
    def op_type(self) -> str:
        """The node's operator type."""
        return str(self.node.op_type)

    def error(self, message: str) -> ModelImportError:
        """A ModelImportError naming this node."""
        return ModelImportError(f"{self.op_type}: {message}", node=self.name)

    def unsupported(self, message: str) -> UnsupportedOperatorError:
        """An UnsupportedOperatorError for an unsupported attribute value of this node."""
        return UnsupportedOperatorError(f"{self.op_type}: {message}", node=self.name,
                                        op_type=self.op_type, supported=self.supported)

    def attr(self, name: str, default: Any, kind: str | None = None) -> Any:
        """The value of attribute ``name``, or ``default`` when absent.

        The attribute must be of the kind ``default`` is (an int, a float, a string, a list
        of ints), or ``kind`` (``"int"``, ``"float"``, ``"string"``, ``"ints"``,
        ``"strings"``) when the default is ``None``; another kind is an error naming it.
        """
        for attribute in self.node.attribute:
            if attribute.name == name:
                expected = kind or _attr_kind(default)
                if expected is not None and attribute.type not in _ATTR_TYPES[expected]:
                    got = onnx.AttributeProto.AttributeType.Name(attribute.type) \
                        if attribute.type in onnx.AttributeProto.AttributeType.values() \
                        else str(attribute.type)
                    raise self.error(f"attribute {name!r} must be {_ATTR_LABELS[expected]}, "
                                     f"got {got}")
                return onnx.helper.get_attribute_value(attribute)
        return default

    def input_name(self, position: int) -> str:
        """The name of input ``position`` (``""`` when absent or omitted)."""
        return self.node.input[position] if position < len(self.node.input) else ""

    def require_activation_at(self, position: int) -> None:
        """Checks that the activation enters at input ``position``."""
        if self.input_name(position) != self.activation:
            raise self.error(
                f"the activation {self.activation!r} must be input {position}; "
                f"only constant weights are supported in the other operands"
            )

    def constant(self, position: int, what: str) -> np.ndarray[Any, Any]:
        """The constant tensor at input ``position`` (any dtype)."""
        name = self.input_name(position)
        if not name:
            raise self.error(f"{what} (input {position}) is missing")
        if name == self.activation or not self.constants.has(name):
            raise self.error(
                f"{what} ({name!r}) must be a constant (an initializer or Constant output)"
            )
        try:
            return self.constants.get(name)
        except ModelImportError as exc:
            raise self.error(f"{what} ({name!r}): {exc}") from exc

    def float_constant(self, position: int, what: str) -> FloatArray:
        """The constant at input ``position`` as finite float64."""
        raw = self.constant(position, what)
        name = self.input_name(position)
        if raw.dtype.kind in "bcOUSM":
            raise self.error(f"{what} ({name!r}) has non-numeric dtype {raw.dtype}")
        try:
            with np.errstate(invalid="ignore"):  # NaN in narrow float types; refused below
                values: FloatArray = raw.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise self.error(f"{what} ({name!r}) cannot be read as float: {exc}") from exc
        if not np.isfinite(values).all():
            raise self.error(f"{what} ({name!r}) contains NaN or infinity")
        return values

    def vector_width(self) -> int | None:
        """The width of the incoming vector, or ``None`` if its shape is unknown."""
        if self.in_shape is None:
            return None
        if not is_vector(self.in_shape):
            raise self.error(
                f"the input {self.activation!r} has shape {self.in_shape}, which is not a "
                f"vector; add a Flatten before this node"
            )
        return self.in_shape[-1]


def column_height(ctx: NodeContext, role: str = "for a constant on the left") -> int | None:
    """The height of an incoming column (``[k]`` or ``[..., k, 1]`` with ones before), the
    right operand of ``A @ x``; ``None`` if its shape is unknown."""
    shape = ctx.in_shape
    if shape is None:
        return None
    if len(shape) == 1:
        return shape[0]
    if len(shape) >= 2 and shape[-1] == 1 and all(d == 1 for d in shape[:-2]):
        return shape[-2]
    raise ctx.error(f"the input {ctx.activation!r} has shape {list(shape)}, which is not one "
                    f"column [k, 1] (or [k]) {role}")


_A = onnx.AttributeProto
_ATTR_TYPES = {"int": (_A.INT,), "float": (_A.FLOAT, _A.INT), "string": (_A.STRING,),
               "ints": (_A.INTS,), "floats": (_A.FLOATS, _A.INTS), "strings": (_A.STRINGS,)}
_ATTR_LABELS = {"int": "an integer", "float": "a number", "string": "a string",
                "ints": "a list of integers", "floats": "a list of numbers",
                "strings": "a list of strings"}


def _attr_kind(default: Any) -> str | None:
    if isinstance(default, int):  # bool included
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, (str, bytes)):
        return "string"
    if isinstance(default, (list, tuple)):
        return "floats" if any(isinstance(v, float) for v in default) else "ints"
    return None


OpHandler = Callable[[NodeContext], OpResult]


def bias_vector(ctx: NodeContext, bias: FloatArray, width: int, what: str) -> FloatArray:
    """Broadcasts a constant to one ``[width]`` bias vector, or names the node on failure."""
    try:
        row: FloatArray = np.broadcast_to(bias, (1, width))[0].copy()
    except ValueError as exc:
        raise ctx.error(
            f"{what} of shape {bias.shape} does not broadcast to one vector of width {width}"
        ) from exc
    return row


def feature_map(ctx: NodeContext) -> tuple[int, int, int] | None:
    """The incoming ``[1, c, h, w]`` map as ``(c, h, w)``, or ``None`` if its shape is unknown.

    Raises:
        ModelImportError: If the activation is not one 2-D feature map.
    """
    if ctx.in_shape is None:
        return None
    shape = ctx.in_shape
    if len(shape) != 4 or shape[0] != 1:
        raise ctx.error(
            f"the input {ctx.activation!r} has shape {list(shape)}; expected one 2-D feature "
            f"map [1, channels, height, width]"
        )
    return shape[1], shape[2], shape[3]


def window_pads(ctx: NodeContext, hw: tuple[int, int], kernel: tuple[int, int],
                stride: tuple[int, int]) -> tuple[int, int, int, int]:
    """The ``(top, left, bottom, right)`` padding from ``pads`` or ``auto_pad``."""
    auto_pad = ctx.attr("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
    if auto_pad in ("NOTSET", ""):
        pads = [int(p) for p in ctx.attr("pads", [0, 0, 0, 0])]
        if len(pads) != 4 or min(pads) < 0:
            raise ctx.error(f"pads {pads} must be four non-negative values for a 2-D window")
        return pads[0], pads[1], pads[2], pads[3]
    if auto_pad == "VALID":
        return 0, 0, 0, 0
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for size, k, s in zip(hw, kernel, stride, strict=True):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            small, large = total // 2, total - total // 2
            begin, end = (small, large) if auto_pad == "SAME_UPPER" else (large, small)
            begins.append(begin)
            ends.append(end)
        return begins[0], begins[1], ends[0], ends[1]
    raise ctx.unsupported(f"auto_pad {auto_pad!r} is not supported")


def pair_attr(ctx: NodeContext, name: str, default: tuple[int, int]) -> tuple[int, int]:
    """A two-value integer attribute (2-D kernels, strides, dilations)."""
    values = [int(v) for v in ctx.attr(name, list(default))]
    if len(values) != 2:
        raise ctx.unsupported(f"{name} {values} is not 2-D; only 2-D windows are supported")
    return values[0], values[1]


def make_window(ctx: NodeContext, in_shape: tuple[int, int, int], kernel: tuple[int, int],
                stride: tuple[int, int], pads: tuple[int, int, int, int]) -> Window2d:
    """The window, or an error naming the node."""
    try:
        return Window2d(in_shape, kernel, stride, pads)
    except ValueError as exc:
        raise ctx.error(str(exc)) from exc
