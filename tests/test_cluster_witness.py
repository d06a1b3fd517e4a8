"""The cluster's witness functions equal the reference forward pass: the NumPy path, and
the GPU path's arithmetic (float64 products where exact, int64 where not) run through NumPy
standing in for CuPy."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

import folding
from folding.cluster.witness import forward_on_gpu, segment_step_inputs
from folding.errors import RangeError
from folding.reference import forward_int
from folding.testing import mlp_onnx

NUMPY_AS_CUPY = types.SimpleNamespace(
    asarray=np.asarray, int64=np.int64, float64=np.float64, rint=np.rint,
    maximum=np.maximum, asnumpy=np.asarray)


@pytest.fixture(scope="module")
def model() -> folding.api.CompiledModel:
    return folding.compile(mlp_onnx([5, 8, 8, 8, 3], seed=2), layers_per_step=1)


def test_the_gpu_arithmetic_equals_the_reference(model: folding.api.CompiledModel) -> None:
    rng = np.random.default_rng(0)
    q = model.quantized
    for _ in range(20):
        x_q = q.quantize_input(rng.uniform(-1, 1, q.input_dim))
        expected = forward_int(q, x_q)
        got = forward_on_gpu(q, x_q, NUMPY_AS_CUPY)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


def test_a_range_error_on_the_gpu_path_names_the_layer(model: folding.api.CompiledModel
                                                      ) -> None:
    q = model.quantized
    _, hi = q.settings.act_bounds
    # The second layer's bias alone pushes neuron 0 past the range.
    layers = list(q.layers)
    bias = layers[1].bias.copy()
    bias[0] = (4 * hi) << q.settings.shift
    layers[1] = dataclasses.replace(layers[1], bias=bias)
    q = dataclasses.replace(q, layers=tuple(layers))
    x_q = q.quantize_input(np.zeros(q.input_dim))
    with pytest.raises(RangeError) as ref:
        forward_int(q, x_q)
    with pytest.raises(RangeError) as gpu:
        forward_on_gpu(q, x_q, NUMPY_AS_CUPY)
    assert str(gpu.value) == str(ref.value) and "fc1" in str(gpu.value)


def test_step_inputs_are_the_activations_entering_each_step(
        model: folding.api.CompiledModel) -> None:
    q = model.quantized
    x_q = q.quantize_input(np.linspace(-0.5, 0.5, q.input_dim))
    outputs = forward_int(q, x_q)
    per_segment = segment_step_inputs(q, model.segments, x_q)
    assert len(per_segment) == len(model.segments)
    for (first, steps, per), rows in zip(model.segments, per_segment, strict=True):
        assert rows.shape == (steps, len(rows[0])) and rows.dtype == np.int64
        for k in range(steps):
            layer = first + k * per
            assert np.array_equal(rows[k], x_q if layer == 0 else outputs[layer - 1])
