"""Quantization: settings validation, calibration, the weight limit, accuracy and the report."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from folding.errors import ArtefactError, InputError, QuantizationError
from folding.ir import DenseLayer, FloatModel
from folding.onnx_import import load_onnx
from folding.quant_ir import QuantizedModel, QuantSettings
from folding.quantize import (
    DEFAULT_CALIBRATION_SAMPLES,
    QuantReport,
    choose_shift,
    default_calibration,
    quantize,
)
from folding.reference import predict_int
from folding.testing import mlp_onnx, mnist_mlp_onnx, narrow_mlp_onnx


@pytest.fixture(scope="module")
def mnist() -> FloatModel:
    return load_onnx(mnist_mlp_onnx(seed=1))


@pytest.fixture(scope="module")
def mnist_q(mnist: FloatModel) -> QuantizedModel:
    return quantize(mnist)


def _relative_error(model: FloatModel, qmodel: QuantizedModel, x: np.ndarray) -> float:
    exact = model.forward(x)
    approx = qmodel.dequantize_output(predict_int(qmodel, qmodel.quantize_input(x)))
    return float(np.abs(approx - exact).mean() / np.abs(exact).mean())


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [
    {"act_bits": 3}, {"act_bits": 25}, {"weight_bits": 1}, {"weight_bits": 17},
    {"shift": -1}, {"shift": 33}, {"act_bits": 8.0}, {"weight_bits": True},
])
def test_settings_out_of_range_are_refused(kwargs: dict[str, Any]) -> None:
    values = {"act_bits": 16, "weight_bits": 8, "shift": 8} | kwargs
    name = next(iter(kwargs))
    with pytest.raises(QuantizationError, match=name):
        QuantSettings(**values)


def test_settings_defaults_bounds_and_round_trip() -> None:
    settings = QuantSettings(shift=10)
    assert (settings.act_bits, settings.weight_bits, settings.shift) == (16, 8, 10)
    assert settings.act_bounds == (-32768, 32768) and settings.weight_limit == 127
    assert QuantSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(ArtefactError, match="shift"):
        QuantSettings.from_dict({"act_bits": 16, "weight_bits": 8})


@pytest.mark.parametrize("kwargs", [{"act_bits": 2}, {"weight_bits": 20}, {"shift": 40},
                                    {"headroom": 0.0}, {"headroom": 1.5},
                                    {"headroom": float("nan")}])
def test_quantize_refuses_bad_settings(mnist: FloatModel, kwargs: dict[str, Any]) -> None:
    with pytest.raises(QuantizationError):
        quantize(mnist, **kwargs)


@pytest.mark.parametrize("calibration", [np.zeros((4, 3)), np.zeros((0, 784)),
                                         np.full((2, 784), np.nan), np.array(["a"] * 784)])
def test_bad_calibration_data_is_an_input_error(mnist: FloatModel,
                                                calibration: np.ndarray) -> None:
    with pytest.raises(InputError):
        quantize(mnist, calibration)


# --- calibration and accuracy -------------------------------------------------------------------


def test_default_calibration_is_seeded_standard_normal() -> None:
    samples = default_calibration(5)
    assert samples.shape == (DEFAULT_CALIBRATION_SAMPLES, 5) == (64, 5)
    np.testing.assert_array_equal(samples, default_calibration(5))
    assert abs(samples.mean()) < 0.3 and 0.7 < samples.std() < 1.3


def test_mnist_mlp_report_with_default_settings(mnist_q: QuantizedModel) -> None:
    report = mnist_q.report
    assert isinstance(report, QuantReport)
    assert report.samples == 64 and report.top1_agreement >= 0.95
    assert report.max_abs_logit_error < 0.1 * report.max_abs_logit
    assert report.mean_abs_logit_error <= report.max_abs_logit_error
    assert report.settings == mnist_q.settings and report.headroom == 0.5
    assert [info.name for info in report.layers] == ["fc0", "fc1", "fc2"]
    assert all(2 <= info.effective_weight_bits <= 8 for info in report.layers)
    assert all(0.0 < info.activation_utilization < 1.0 for info in report.layers)
    # The calibration maxima land at the headroom at most (lower where weights limit).
    for info in report.layers:
        assert info.activation_utilization <= 0.51
        assert (info.scale < info.target_scale) == info.weight_limited
        assert info.max_abs_weight_q == 127 or not info.weight_limited
    text = report.format()
    assert "top-1 agreement" in text and "fc1" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["settings"]["shift"] == mnist_q.settings.shift and len(data["layers"]) == 3


def test_quantized_forward_tracks_the_float_model_on_held_out_data(
        mnist: FloatModel, mnist_q: QuantizedModel) -> None:
    x = np.random.default_rng(77).standard_normal((200, 784))
    assert _relative_error(mnist, mnist_q, x) < 0.05
    exact = mnist.forward(x)
    approx = mnist_q.dequantize_output(predict_int(mnist_q, mnist_q.quantize_input(x)))
    assert (exact.argmax(axis=1) == approx.argmax(axis=1)).mean() >= 0.95


def test_more_weight_bits_are_more_accurate(mnist: FloatModel) -> None:
    x = np.random.default_rng(3).standard_normal((100, 784))
    coarse = _relative_error(mnist, quantize(mnist, weight_bits=6), x)
    fine = _relative_error(mnist, quantize(mnist, weight_bits=12, act_bits=20), x)
    assert fine < coarse / 4


def test_weights_fit_and_follow_the_documented_formula(mnist: FloatModel,
                                                       mnist_q: QuantizedModel) -> None:
    s = mnist_q.settings.shift
    scales = (mnist_q.input_scale, *mnist_q.layer_scales)
    for index, (layer, qlayer) in enumerate(zip(mnist.layers, mnist_q.layers, strict=True)):
        assert int(np.abs(qlayer.weight).max()) <= 127
        multiplier = 2.0**s * scales[index + 1] / scales[index]
        np.testing.assert_array_equal(qlayer.weight, np.rint(layer.weight * multiplier))
        # The bias carries + 2^(s-1), turning the circuit's floor into rounding.
        np.testing.assert_array_equal(
            qlayer.bias, np.rint(layer.bias * 2.0**s * scales[index + 1]) + 2 ** (s - 1))
        assert qlayer.relu == layer.relu and qlayer.name == layer.name
    assert mnist_q.output_scale == mnist_q.layer_scales[-1]


def test_quantization_is_deterministic(mnist: FloatModel, mnist_q: QuantizedModel) -> None:
    again = quantize(mnist)
    for a, b in zip(mnist_q.layers, again.layers, strict=True):
        np.testing.assert_array_equal(a.weight, b.weight)
    assert again.layer_scales == mnist_q.layer_scales


def test_custom_calibration_and_explicit_shift(mnist: FloatModel) -> None:
    calibration = np.random.default_rng(5).uniform(-1, 1, (16, 784))
    qmodel = quantize(mnist, calibration, shift=9, act_bits=12)
    assert qmodel.settings == QuantSettings(act_bits=12, weight_bits=8, shift=9)
    assert qmodel.report is not None and qmodel.report.samples == 16
    # sigma_0 puts the largest calibration input at the headroom.
    assert qmodel.input_scale == pytest.approx(0.5 * 2047 / np.abs(calibration).max())
    one = quantize(mnist, calibration[0])
    assert one.report is not None and one.report.samples == 1
    # samples in the model's own shape (as exporters declare it: [n, 1, 28, 28])
    shaped = quantize(mnist, calibration.reshape(16, 1, 28, 28), shift=9, act_bits=12)
    assert shaped.input_scale == qmodel.input_scale


def test_shift_too_large_for_the_weights_is_refused_by_layer(mnist: FloatModel) -> None:
    with pytest.raises(QuantizationError, match=r"layer \d+ \('fc\d'\): at shift 30"):
        quantize(mnist, shift=30)


def test_narrow_deep_model_quantizes_accurately() -> None:
    model = load_onnx(narrow_mlp_onnx(16, 32, seed=2))
    qmodel = quantize(model)
    # Random narrow deep nets have near-tied logits, so top-1 is not the measure here.
    x = np.random.default_rng(8).standard_normal((100, 16))
    assert _relative_error(model, qmodel, x) < 0.06


def test_degenerate_layers_do_not_divide_by_zero() -> None:
    zero = DenseLayer(name="dead", weight=np.zeros((3, 4)), bias=np.zeros(3), relu=True)
    tail = DenseLayer(name="tail", weight=np.ones((2, 3)), bias=np.array([0.5, -0.5]),
                      relu=False)
    model = FloatModel(input_name="x", output_name="y", input_dim=4, opset=17,
                       layers=(zero, tail))
    qmodel = quantize(model, np.zeros((3, 4)))  # all-zero inputs, too
    assert np.all(qmodel.layers[0].weight == 0)
    assert all(np.isfinite(s) and s > 0 for s in (qmodel.input_scale, *qmodel.layer_scales))
    np.testing.assert_allclose(
        qmodel.dequantize_output(predict_int(qmodel, qmodel.quantize_input(np.zeros(4)))),
        [0.5, -0.5], atol=1e-3)


def test_quantize_input_checks_range_shape_and_values(mnist_q: QuantizedModel) -> None:
    from folding.errors import RangeError

    x = np.zeros(784)
    x[17] = 1e6
    with pytest.raises(RangeError) as info:
        mnist_q.quantize_input(x)
    assert info.value.layer is None and info.value.neuron == 17
    assert info.value.bounds == (-32768, 32768)
    x[17] = np.inf
    with pytest.raises(InputError, match="element 17"):
        mnist_q.quantize_input(x)
    with pytest.raises(InputError, match="shape"):
        mnist_q.quantize_input(np.zeros(10))
    # the model's own layout: one sample [1, 1, 28, 28] or [28, 28], a batch [B, 1, 28, 28]
    image = np.random.default_rng(3).uniform(-1, 1, size=(1, 1, 28, 28))
    flat = mnist_q.quantize_input(image.reshape(784))
    np.testing.assert_array_equal(mnist_q.quantize_input(image), flat)
    np.testing.assert_array_equal(mnist_q.quantize_input(image.reshape(28, 28)), flat)
    batch = mnist_q.quantize_input(np.concatenate([image, -image]))
    assert batch.shape == (2, 784)
    np.testing.assert_array_equal(batch[0], flat)
    with pytest.raises(InputError, match="784 values in the model's own shape"):
        mnist_q.quantize_input(np.zeros((1, 1, 28, 27)))
    for huge in (1e300, -1e30):
        x[17] = huge
        with pytest.raises(InputError, match="element 17 overflows"):
            mnist_q.quantize_input(x)


def test_quantized_model_dict_round_trip(mnist_q: QuantizedModel) -> None:
    meta = json.loads(json.dumps(mnist_q.to_dict()))
    arrays = [(layer.weight, layer.bias) for layer in mnist_q.layers]
    restored = QuantizedModel.from_dict(meta, arrays)
    assert restored.settings == mnist_q.settings and restored.report is None
    assert restored.layer_scales == mnist_q.layer_scales
    x_q = mnist_q.quantize_input(np.ones(784))
    np.testing.assert_array_equal(predict_int(restored, x_q), predict_int(mnist_q, x_q))
    with pytest.raises(ArtefactError, match="weight arrays"):
        QuantizedModel.from_dict(meta, arrays[:-1])
    with pytest.raises(ArtefactError):
        QuantizedModel.from_dict({"settings": meta["settings"]}, arrays)


# --- the default-shift rule ---------------------------------------------------------------------


def test_choose_shift_fills_the_weights_of_a_uniform_network() -> None:
    # max |W| = 127 / 2^6 and equal scales: every layer's weights fit exactly at s = 6.
    shift = choose_shift([100.0] * 5, [127 / 64] * 4, act_bits=16, weight_bits=8, headroom=0.5)
    assert shift == 6


def test_choose_shift_avoids_a_cascade_of_lowered_scales() -> None:
    # Five layers fit at s <= 6, six at s <= 12. The median (12) would lower the first five
    # scales by 2^6 each, 30 bits in all, more than the activations have; the cost rule
    # trades a few weight bits in the later layers instead.
    wmax = [127 / 64] * 5 + [127 / 2**12] * 6
    shift = choose_shift([100.0] * 12, wmax, act_bits=16, weight_bits=8, headroom=0.5)
    assert 6 <= shift <= 9


def test_choose_shift_handles_all_zero_weights() -> None:
    assert choose_shift([1.0, 1.0], [0.0], act_bits=16, weight_bits=8, headroom=0.5) == 1


def test_default_shift_is_best_or_near_best_for_a_small_mlp() -> None:
    model = load_onnx(mlp_onnx([32, 64, 64, 10], seed=4))
    x = np.random.default_rng(9).standard_normal((100, 32))
    chosen = quantize(model)
    errors = {}
    for shift in range(4, 13):
        try:
            errors[shift] = _relative_error(model, quantize(model, shift=shift), x)
        except QuantizationError:
            continue
    assert _relative_error(model, chosen, x) <= 1.5 * min(errors.values())
