"""Test helpers: deterministic ONNX model builders (see :mod:`folding.testing.models` for
dense networks and :mod:`folding.testing.cnn` for convolutional ones)."""

from __future__ import annotations

from folding.testing.cnn import CnnBuilder, iris_resnet_onnx, lenet5_onnx, zator_onnx
from folding.testing.models import (
    depth_suite_layer_shapes,
    depth_suite_onnx,
    depth_suite_parameters,
    mlp_onnx,
    mnist_mlp_onnx,
    narrow_mlp_onnx,
)


def trained_lenet5_onnx(seed: int = 0, epochs: int = 8) -> bytes:
    """LeNet-5 trained on scikit-learn's digits (see :mod:`folding.testing.train`; needs
    scikit-learn, a test dependency)."""
    from folding.testing.train import trained_lenet5_onnx as train

    return train(seed=seed, epochs=epochs)


__all__ = [
    "CnnBuilder",
    "depth_suite_layer_shapes",
    "depth_suite_onnx",
    "depth_suite_parameters",
    "iris_resnet_onnx",
    "lenet5_onnx",
    "mlp_onnx",
    "mnist_mlp_onnx",
    "narrow_mlp_onnx",
    "trained_lenet5_onnx",
    "zator_onnx",
]
