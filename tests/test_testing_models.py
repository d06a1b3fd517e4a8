"""The bundled test-model builders: shapes, parameter counts, determinism, validity."""

from __future__ import annotations

import time

import numpy as np
import onnx
import pytest

from folding.onnx_import import load_onnx
from folding.testing import (
    depth_suite_layer_shapes,
    depth_suite_onnx,
    depth_suite_parameters,
    mlp_onnx,
    mnist_mlp_onnx,
    narrow_mlp_onnx,
)


def _shapes(data: bytes) -> list[tuple[int, int, bool]]:
    return [(la.in_dim, la.out_dim, la.relu) for la in load_onnx(data).layers]


def test_depth_suite_at_500_has_10_214_200_parameters() -> None:
    assert depth_suite_parameters(500) == 10_214_200
    start = time.perf_counter()
    data = depth_suite_onnx(500)
    model = load_onnx(data)
    assert time.perf_counter() - start < 20
    assert model.num_parameters == 10_214_200 and len(model.layers) == 500
    assert model.input_dim == 784 and model.output_dim == 1000


def test_depth_suite_layer_pattern() -> None:
    shapes = depth_suite_layer_shapes(6)
    assert shapes == [(784, 100), (100, 200), (200, 100), (100, 200), (200, 100), (100, 1000)]
    assert depth_suite_layer_shapes(2) == [(784, 100), (100, 1000)]
    layers = _shapes(depth_suite_onnx(6))
    assert [(i, o) for i, o, _ in layers] == shapes
    assert [relu for _, _, relu in layers] == [True] * 5 + [False]


@pytest.mark.parametrize("depth", [0, 1, 3, 51, -2, 2.0, True])
def test_depth_suite_refuses_invalid_depths(depth: object) -> None:
    with pytest.raises(ValueError, match="even integer"):
        depth_suite_layer_shapes(depth)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        depth_suite_onnx(depth)  # type: ignore[arg-type]


def test_depth_suite_activations_stay_of_order_one() -> None:
    model = load_onnx(depth_suite_onnx(100))
    pre = model.forward_preactivations(np.random.default_rng(0).standard_normal((16, 784)))
    peaks = [float(np.abs(p).max()) for p in pre]
    assert 0.3 < min(peaks) and max(peaks) < 50


def test_mlp_is_deterministic_in_its_seed() -> None:
    assert mlp_onnx([5, 4, 3], seed=7) == mlp_onnx([5, 4, 3], seed=7)
    assert mlp_onnx([5, 4, 3], seed=7) != mlp_onnx([5, 4, 3], seed=8)
    assert depth_suite_onnx(4, seed=1) == depth_suite_onnx(4, seed=1)


def test_mlp_layers_and_relu_placement() -> None:
    assert _shapes(mlp_onnx([5, 4, 3])) == [(5, 4, True), (4, 3, False)]
    assert _shapes(mlp_onnx([5, 4, 3], relu_last=True)) == [(5, 4, True), (4, 3, True)]
    assert _shapes(mlp_onnx([5, 4, 3], style="matmul_add")) == [(5, 4, True), (4, 3, False)]


@pytest.mark.parametrize("batch_dim, dims", [(1, [1, 5]), ("N", ["N", 5]), (None, [5])])
def test_mlp_batch_dimension(batch_dim: int | str | None, dims: list[int | str]) -> None:
    model = onnx.ModelProto()
    model.ParseFromString(mlp_onnx([5, 3], batch_dim=batch_dim))
    shape = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value or d.dim_param for d in shape] == dims


@pytest.mark.parametrize("data", [
    mlp_onnx([5, 4, 3]), mlp_onnx([5, 4, 3], style="matmul_add", batch_dim="N"),
    narrow_mlp_onnx(16, 4), depth_suite_onnx(4), mnist_mlp_onnx(),
])
def test_built_models_pass_the_onnx_checker(data: bytes) -> None:
    model = onnx.ModelProto()
    model.ParseFromString(data)
    onnx.checker.check_model(model, full_check=True)


def test_narrow_and_mnist_shapes() -> None:
    assert _shapes(narrow_mlp_onnx(16, 3)) == [(16, 16, True), (16, 16, True), (16, 16, False)]
    assert _shapes(narrow_mlp_onnx(64, 2, input_dim=10)) == [(10, 64, True), (64, 64, False)]
    assert _shapes(mnist_mlp_onnx()) == [(784, 256, True), (256, 256, True), (256, 10, False)]


@pytest.mark.parametrize("widths", [[5], [], [5, 0], [-1, 3]])
def test_mlp_refuses_bad_widths(widths: list[int]) -> None:
    with pytest.raises(ValueError, match="widths"):
        mlp_onnx(widths)


def test_mlp_refuses_unknown_style() -> None:
    with pytest.raises(ValueError, match="style"):
        mlp_onnx([3, 2], style="conv")  # type: ignore[arg-type]


def test_narrow_refuses_bad_sizes() -> None:
    with pytest.raises(ValueError):
        narrow_mlp_onnx(0, 3)
    with pytest.raises(ValueError):
        narrow_mlp_onnx(16, 0)
