"""The fusion pass of ONNX import: turns the op handlers' actions into layers.

A handler (:mod:`folding.ops`) judges one node alone; here its action meets the layer list:
a bias, a BatchNormalization, a residual Add or a ReLU fuses into the layer just produced,
a Gemm, MatMul, Conv or pooling starts a new one. "Relu must follow a layer" lives here.

An element-wise affine map by constants (``Mul``/``Div``/``Sub``/``Neg``/``Add``,
:class:`Elementwise`) folds into the open layer before it (``s * (W x + b) + t``: rows of
``W`` and ``b`` scaled, per channel for a convolution); where there is none (the model's
input, after a ReLU or a pooling layer) it waits and folds into the next layer with weights
(``W (s * x + t) + b``: columns of ``W`` scaled, ``W t`` added to ``b``). Both are exact in
real arithmetic; the result is one ordinary layer, quantized as any other. A shift cannot
fold forward into a padded convolution (the padding is not shifted), and a waiting map
cannot pass a pooling layer, a residual sum or a ReLU: those are refused naming the node.
A BatchNormalization is such a map, per channel: fused into the layer right before it, or
else waiting like any other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import onnx

from folding.errors import ModelImportError
from folding.geometry import Window2d
from folding.ir import ConvLayer, DenseLayer, FloatArray, FloatLayer, PoolLayer
from folding.ops.base import (
    Action,
    AddBias,
    ApplyRelu,
    ChannelAffine,
    Conv,
    Dense,
    Elementwise,
    NodeContext,
    Pool,
    Residual,
)

__all__ = ["Fuser", "LayerBuilder"]


@dataclass
class LayerBuilder:
    """A layer while its bias, batch normalization, residual and ReLU are being fused in.

    ``kind`` is ``"dense"`` (``weight`` ``[out, in]``), ``"conv"`` (``weight``
    ``[out, in, kh, kw]``), ``"maxpool"`` or ``"avgpool"`` (no weight).
    """

    name: str
    kind: str
    weight: FloatArray
    bias: FloatArray
    window: Window2d | None = None
    relu: bool = False
    skip_from: int | None = None

    @property
    def in_dim(self) -> int:
        return self.window.in_dim if self.window is not None else int(self.weight.shape[1])

    @property
    def out_dim(self) -> int:
        if self.kind == "dense":
            return int(self.weight.shape[0])
        assert self.window is not None
        channels = int(self.weight.shape[0]) if self.kind == "conv" else self.window.in_shape[0]
        return channels * math.prod(self.window.out_hw)

    @property
    def parameters(self) -> int:
        return int(self.weight.size + self.bias.size)

    def build(self) -> FloatLayer:
        """The finished IR layer."""
        if self.kind == "dense":
            return DenseLayer(name=self.name, weight=self.weight, bias=self.bias,
                              relu=self.relu, skip_from=self.skip_from)
        assert self.window is not None
        if self.kind == "conv":
            return ConvLayer(name=self.name, weight=self.weight, bias=self.bias,
                             window=self.window, relu=self.relu, skip_from=self.skip_from)
        return PoolLayer(name=self.name, op=self.kind[:3], window=self.window, relu=self.relu)

    def describe(self) -> str:
        """``dense 784->100``, ``conv 1x28x28->6x28x28 k5x5``, ``maxpool ... k2x2``."""
        if self.kind == "dense":
            return f"dense {self.in_dim}->{self.out_dim}"
        assert self.window is not None
        c, h, w = self.window.in_shape
        out_c = int(self.weight.shape[0]) if self.kind == "conv" else c
        oh, ow = self.window.out_hw
        kh, kw = self.window.kernel
        return f"{self.kind} {c}x{h}x{w}->{out_c}x{oh}x{ow} k{kh}x{kw}"



class Fuser:
    """Applies the handlers' actions to the layer list (the fusion pass)."""

    def __init__(self, layers: list[LayerBuilder], input_name: str | None, *, max_width: int,
                 max_parameters: int) -> None:
        self.layers = layers
        self.input_name = input_name
        self.max_width = max_width
        self.max_parameters = max_parameters
        # tensor -> index of the layer whose output it is, while bias/ReLU may still fuse in
        self.layer_of: dict[str, int] = {}
        # layer -> the tensor that holds its final output (a residual may only add that)
        self.final: dict[int, str | None] = {}
        # tensors downstream of a node that failed: fusing into them is not judged, so an
        # inspection lists the root cause rather than its echoes
        self.unknown: set[str] = set()
        self.parameters = 0
        if input_name is not None:
            self.final[-1] = input_name
        # an element-wise affine map waiting for the next layer with weights:
        # (scale, shift, the node that made it)
        self.pending: tuple[FloatArray, FloatArray, str] | None = None

    def mark_failed(self, node: onnx.NodeProto) -> None:
        """Records that ``node`` failed, so its outputs have no known layer."""
        self.unknown.update(name for name in node.output if name)

    def _new_layer(self, ctx: NodeContext, builder: LayerBuilder, output: str) -> str:
        layers = self.layers
        if max(builder.in_dim, builder.out_dim) > self.max_width:
            raise ctx.error(f"layer {builder.in_dim}->{builder.out_dim} is wider than "
                            f"{self.max_width}")
        self.parameters += builder.parameters
        if self.parameters > self.max_parameters:
            raise ctx.error(f"the model exceeds {self.max_parameters:,} parameters")
        layers.append(builder)
        self.layer_of[output] = len(layers) - 1
        self.final[len(layers) - 1] = output
        return f"layer {len(layers) - 1}: {builder.describe()}"

    def _fusable(self, ctx: NodeContext, source: int | None, what: str) -> LayerBuilder:
        """The layer ``ctx`` may fuse into: the one that produced its input, still open."""
        layers = self.layers
        if source is None or layers[source].relu:
            raise ctx.error(f"{what} must directly follow a layer (before its ReLU)")
        return layers[source]

    def apply(self, ctx: NodeContext, action: Action, output: str) -> str:
        """Applies one action; returns the ``produces`` text; raises naming the node."""
        layers = self.layers
        source = self.layer_of.get(ctx.activation)
        if isinstance(action, Dense):
            builder = LayerBuilder(ctx.name, "dense", action.weight, action.bias)
            return self._new_layer(ctx, self._fold_pending(ctx, builder), output)
        if isinstance(action, Conv):
            builder = LayerBuilder(ctx.name, "conv", action.weight, action.bias, action.window)
            return self._new_layer(ctx, self._fold_pending(ctx, builder), output)
        if isinstance(action, Pool):
            self._refuse_pending(ctx, "a pooling layer")
            empty = np.zeros(0)
            builder = LayerBuilder(ctx.name, f"{action.op}pool", empty, empty, action.window)
            produces = self._new_layer(ctx, builder, output)
            if action.then_scale != 1.0:
                # A sum is the mean times the window size: that factor waits for the next
                # layer with weights, like any scale after a pooling layer.
                factor = np.full(builder.out_dim, action.then_scale)
                self.pending = (factor, np.zeros_like(factor), ctx.name)
                self.layer_of.pop(output, None)
                produces += f", times {action.then_scale:g} (folded into the next layer)"
            return produces
        if ctx.activation in self.unknown or (ctx.other is not None and ctx.other in
                                              self.unknown):
            self.unknown.add(output)
            return ""
        if isinstance(action, Elementwise) or (isinstance(action, AddBias) and (
                source is None or self.pending is not None or self.layers[source].relu
                or self.layers[source].kind != "dense")):
            return self._elementwise(ctx, source, action, output)
        if isinstance(action, ChannelAffine) and not self._open_affine(source):
            # Not right after a layer (the model's input, after a ReLU or a pooling layer):
            # a per-channel element-wise map, folded into the next layer instead.
            return self._elementwise(ctx, source, _per_element(ctx, action), output)
        if isinstance(action, (ApplyRelu, Residual)):
            self._refuse_pending(ctx, "a Relu" if isinstance(action, ApplyRelu)
                                 else "a residual Add")
        if isinstance(action, AddBias):
            layer = self._fusable(ctx, source, "adding a constant")
            if layer.kind != "dense" or layer.skip_from is not None:
                raise ctx.error("adding a constant must directly follow a Gemm or MatMul "
                                "(it becomes that layer's bias)")
            try:
                layer.bias = layer.bias + np.broadcast_to(action.bias, layer.bias.shape)
            except ValueError as exc:
                raise ctx.error(f"the addend of shape {action.bias.shape} does not match the "
                                f"{layer.bias.shape[0]} outputs of {layer.name!r}") from exc
            return self._fused(source, output, f"bias of layer {source}")
        if isinstance(action, ChannelAffine):
            layer = self._fusable(ctx, source, "a BatchNormalization")
            if layer.kind not in ("dense", "conv") or layer.skip_from is not None:
                raise ctx.error("a BatchNormalization must directly follow a Conv, Gemm or "
                                "MatMul (it is folded into that layer)")
            if action.scale.size != layer.bias.size:
                raise ctx.error(f"{action.scale.size} channels of parameters for the "
                                f"{layer.bias.size} outputs of {layer.name!r}")
            shape = (-1,) + (1,) * (layer.weight.ndim - 1)
            layer.weight = layer.weight * action.scale.reshape(shape)
            layer.bias = layer.bias * action.scale + action.shift
            return self._fused(source, output, f"batch normalization of layer {source}")
        if isinstance(action, Residual):
            layer = self._fusable(ctx, source, "a residual Add")
            assert source is not None
            if layer.kind != "conv" or layer.skip_from is not None:
                raise ctx.error("a residual Add must directly follow a Conv (+ "
                                "BatchNormalization), before its ReLU")
            origin = self.layer_of.get(action.source, -1 if action.source ==
                                       self.input_name else None)
            if origin is None or self.final.get(origin) != action.source:
                raise ctx.error(f"the residual adds {action.source!r}, which is not the "
                                f"final output of a layer (or the model input)")
            layer.skip_from = origin + 1
            return self._fused(source, output, f"residual of layer {source} from the input "
                                               f"of layer {origin + 1}")
        if isinstance(action, ApplyRelu):
            if source is not None and layers[source].kind == "maxpool":
                return self._relu_before_max(ctx, source, output)
            if source is None or layers[source].relu or layers[source].kind == "maxpool":
                raise ctx.error("must directly follow a Gemm, MatMul, Conv or AveragePool "
                                "(+ Add); a standalone Relu is not supported")
            layers[source].relu = True
            return self._fused(source, output, f"ReLU of layer {source}")
        if source is not None:
            return self._fused(source, output, "")
        return ""

    def _open_affine(self, source: int | None) -> bool:
        """Whether an affine map may fold into the layer ``source`` (its rows)."""
        if source is None or self.pending is not None:
            return False
        layer = self.layers[source]
        return not layer.relu and layer.skip_from is None and layer.kind in ("dense", "conv")

    def _fused(self, source: int | None, output: str, produces: str) -> str:
        """Records that ``output`` is now the final output of layer ``source``."""
        if source is not None:
            if self.final.get(source) is not None:
                self.final[source] = output
            self.layer_of[output] = source
        return produces

    def _relu_before_max(self, ctx: NodeContext, pool: int, output: str) -> str:
        """``relu(max(x)) = max(relu(x))``: the ReLU moves onto the layer before the pool."""
        layers = self.layers
        before = pool - 1
        if before < 0 or layers[before].kind == "maxpool":
            raise ctx.error("a Relu after a MaxPool needs a Conv, Gemm or MatMul before the "
                            "pool to carry it")
        if not layers[before].relu:
            layers[before].relu = True
            # The layer's output changed, so no tensor of the graph holds it any more.
            self.final[before] = None
        return self._fused(pool, output, f"ReLU of layer {before} (moved before the MaxPool)")

    def _elementwise(self, ctx: NodeContext, source: int | None,
                     action: Elementwise | AddBias, output: str) -> str:
        """Folds ``scale * x + shift`` into the open layer before it, or keeps it for the
        next layer with weights."""
        if isinstance(action, AddBias):
            shift = action.bias
            action = Elementwise(scale=np.ones_like(shift), shift=shift)
        if self._open_affine(source):
            assert source is not None
            layer = self.layers[source]
            scale, shift = action.scale, action.shift
            if layer.kind == "conv":
                per_channel = _per_channel(scale, shift, int(layer.weight.shape[0]))
                if per_channel is None:
                    raise ctx.error("the constant varies within a channel of the convolution "
                                    f"{layer.name!r}; only one value per channel folds into it")
                scale, shift = per_channel
            elif scale.size != layer.bias.size:
                raise ctx.error(f"{scale.size} values for the {layer.bias.size} outputs of "
                                f"{layer.name!r}")
            shape = (-1,) + (1,) * (layer.weight.ndim - 1)
            layer.weight = layer.weight * scale.reshape(shape)
            layer.bias = layer.bias * scale + shift
            return self._fused(source, output, f"scale and shift of layer {source}")
        if self.pending is not None:
            scale0, shift0, origin = self.pending
            if scale0.size != action.scale.size:
                raise ctx.error(f"{action.scale.size} values for an activation of "
                                f"{scale0.size} elements")
            self.pending = (scale0 * action.scale, shift0 * action.scale + action.shift, origin)
        else:
            self.pending = (action.scale, action.shift, ctx.name)
        if source is not None:
            # the tensor no longer holds the layer's output: nothing may fuse into it
            self.layer_of.pop(output, None)
        return "scale and shift, folded into the next layer"

    def _fold_pending(self, ctx: NodeContext, builder: LayerBuilder) -> LayerBuilder:
        """``W (s * x + t) + b`` as one layer: columns of ``W`` scaled, ``W t`` added."""
        if self.pending is None:
            return builder
        scale, shift, origin = self.pending
        self.pending = None
        if scale.size != builder.in_dim:
            raise ctx.error(f"the scale and shift of {origin!r} has {scale.size} elements; "
                            f"the layer takes {builder.in_dim}")
        if builder.kind == "dense":
            builder.bias = builder.bias + builder.weight @ shift
            builder.weight = builder.weight * scale[None, :]
            return builder
        assert builder.window is not None
        channels = builder.window.in_shape[0]
        per_channel = _per_channel(scale, shift, channels)
        if per_channel is None:
            raise ctx.error(f"the scale and shift of {origin!r} varies within a channel; only "
                            f"one value per input channel folds into a convolution")
        s, t = per_channel
        if any(builder.window.pads) and np.any(t != 0):
            raise ctx.error(f"the shift of {origin!r} cannot fold into a padded convolution "
                            f"(its zero padding would not be shifted)")
        builder.bias = builder.bias + np.einsum("oikl,i->o", builder.weight, t)
        builder.weight = builder.weight * s[None, :, None, None]
        return builder

    def _refuse_pending(self, ctx: NodeContext, what: str) -> None:
        if self.pending is not None:
            origin = self.pending[2]
            raise ctx.error(f"the scale and shift of {origin!r} cannot fold into {what}; it "
                            f"must directly follow, or be followed by, a Gemm, MatMul or Conv")

    def finish(self) -> ModelImportError | None:
        """The error for a scale and shift that no layer took, if any."""
        if self.pending is None:
            return None
        return ModelImportError("an element-wise map by constants must directly follow, or "
                                "be followed by, a Gemm, MatMul or Conv to fold into; nothing "
                                "follows it here", node=self.pending[2])


def _per_element(ctx: NodeContext, action: ChannelAffine) -> Elementwise:
    """A per-channel (axis 1) scale and shift spread over every element of the activation."""
    shape = ctx.in_shape
    if shape is None:
        raise ctx.error("the activation's shape is unknown, so the per-channel parameters "
                        "cannot be spread over it")
    if len(shape) < 2 or shape[1] != action.scale.size:
        raise ctx.error(f"{action.scale.size} channels of parameters for an activation of "
                        f"shape {list(shape)}")
    channel = (1, -1) + (1,) * (len(shape) - 2)
    scale = np.broadcast_to(action.scale.reshape(channel), shape).reshape(-1)
    shift = np.broadcast_to(action.shift.reshape(channel), shape).reshape(-1)
    return Elementwise(scale=scale.copy(), shift=shift.copy())


def _per_channel(scale: FloatArray, shift: FloatArray, channels: int,
                 ) -> tuple[FloatArray, FloatArray] | None:
    """Per-element ``scale``/``shift`` over a ``[channels, ...]`` map as one value per
    channel, or None if they vary within a channel."""
    if channels <= 0 or scale.size % channels:
        return None
    s, t = scale.reshape(channels, -1), shift.reshape(channels, -1)
    if not (np.all(s == s[:, :1]) and np.all(t == t[:, :1])):
        return None
    return s[:, 0].copy(), t[:, 0].copy()
