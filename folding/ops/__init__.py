"""ONNX operator handlers, one small module per operator family, registered in one table.

To support a new operator, write a handler ``(NodeContext) -> OpResult`` in a module of its
family and add it to :data:`HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from folding.ops.activation import relu
from folding.ops.base import OpHandler
from folding.ops.bias import add
from folding.ops.constants import CONSTANT_OPS
from folding.ops.conv import conv
from folding.ops.elementwise import div, mul, neg, sub
from folding.ops.gemm import gemm
from folding.ops.matmul import matmul
from folding.ops.normalization import batch_normalization
from folding.ops.passthrough import cast, dropout, identity
from folding.ops.pool import average_pool, global_average_pool, global_max_pool, max_pool
from folding.ops.reduce import reduce_max, reduce_mean, reduce_sum
from folding.ops.shape import flatten, reshape, squeeze, unsqueeze

#: Handlers of the operators that may carry the activation, by ONNX op type.
HANDLERS: Mapping[str, OpHandler] = MappingProxyType({
    "Add": add,
    "AveragePool": average_pool,
    "BatchNormalization": batch_normalization,
    "Cast": cast,
    "Conv": conv,
    "Div": div,
    "Dropout": dropout,
    "Flatten": flatten,
    "Gemm": gemm,
    "GlobalAveragePool": global_average_pool,
    "GlobalMaxPool": global_max_pool,
    "Identity": identity,
    "MatMul": matmul,
    "MaxPool": max_pool,
    "Mul": mul,
    "Neg": neg,
    "ReduceMax": reduce_max,
    "ReduceMean": reduce_mean,
    "ReduceSum": reduce_sum,
    "Relu": relu,
    "Reshape": reshape,
    "Squeeze": squeeze,
    "Sub": sub,
    "Unsqueeze": unsqueeze,
})

#: Every supported operator type (the handlers plus those evaluated as constants).
SUPPORTED_OPS: tuple[str, ...] = tuple(sorted({*HANDLERS, *CONSTANT_OPS}))

__all__ = ["HANDLERS", "SUPPORTED_OPS"]
