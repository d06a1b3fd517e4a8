"""Test helpers: deterministic ONNX model builders (see :mod:`folding.testing.models`)."""

from __future__ import annotations

from folding.testing.models import (
    depth_suite_layer_shapes,
    depth_suite_onnx,
    depth_suite_parameters,
    mlp_onnx,
    mnist_mlp_onnx,
    narrow_mlp_onnx,
)

__all__ = [
    "depth_suite_layer_shapes",
    "depth_suite_onnx",
    "depth_suite_parameters",
    "mlp_onnx",
    "mnist_mlp_onnx",
    "narrow_mlp_onnx",
]
