"""The integer reference forward pass: hand-checked arithmetic, range checks, and a property
test against a slow big-integer implementation of docs/ARCHITECTURE.md."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from folding.errors import InputError, QuantizationError, RangeError
from folding.quant_ir import QuantizedModel, QuantLayer, QuantSettings
from folding.reference import forward_int, preactivations_int, predict_int


def _model(layers: list[tuple[list[list[int]], list[int], bool]], *, act_bits: int = 8,
           weight_bits: int = 8, shift: int = 1) -> QuantizedModel:
    quant_layers = tuple(
        QuantLayer(name=f"l{i}", weight=np.array(w, dtype=np.int64),
                   bias=np.array(b, dtype=np.int64), relu=relu)
        for i, (w, b, relu) in enumerate(layers))
    return QuantizedModel(
        settings=QuantSettings(act_bits=act_bits, weight_bits=weight_bits, shift=shift),
        layers=quant_layers, input_scale=1.0, output_scale=1.0,
        layer_scales=(1.0,) * len(quant_layers))


# --- hand-checked arithmetic ------------------------------------------------------------------


@pytest.mark.parametrize("acc, shift, expected", [
    (-1, 1, -1),   # floor(-0.5) = -1, not 0
    (-3, 1, -2),   # floor(-1.5)
    (3, 1, 1),     # floor(1.5)
    (-4, 2, -1),
    (-5, 2, -2),   # floor(-1.25)
    (7, 0, 7),     # shift 0 is the identity
    (-7, 3, -1),
    (0, 5, 0),
])
def test_rescale_floors_toward_minus_infinity(acc: int, shift: int, expected: int) -> None:
    # acc = W x + b with W = [[1]], x = [acc], b = [0]
    model = _model([([[1]], [0], False)], act_bits=8, shift=shift)
    assert predict_int(model, np.array([acc])).tolist() == [expected]


def test_tiny_two_layer_network_by_hand() -> None:
    # layer 0: acc = [1*3 + -2*5 + 1, 2*3 + 1*5 - 4] = [-6, 7]; >>1 -> [-3, 3]; ReLU -> [0, 3]
    # layer 1: acc = [3*0 + -1*3 + 0] = [-3]; >>1 -> [-2]; no ReLU
    model = _model([([[1, -2], [2, 1]], [1, -4], True), ([[3, -1]], [0], False)], shift=1)
    outputs = forward_int(model, np.array([3, 5]))
    assert [o.tolist() for o in outputs] == [[0, 3], [-2]]
    assert [p.tolist() for p in preactivations_int(model, np.array([3, 5]))] == [[-3, 3], [-2]]
    assert all(o.dtype == np.int64 for o in outputs)


def test_relu_applies_after_the_shift() -> None:
    model = _model([([[1]], [0], True)], shift=1)
    assert predict_int(model, np.array([-1])).tolist() == [0]  # y = -1, ReLU -> 0


def test_batch_matches_single_inputs() -> None:
    rng = np.random.default_rng(0)
    model = _model([(rng.integers(-7, 8, (4, 3)).tolist(), [1, -2, 3, 0], True),
                    (rng.integers(-7, 8, (2, 4)).tolist(), [0, 5], False)],
                   act_bits=12, shift=2)
    batch = rng.integers(-100, 100, (5, 3))
    together = predict_int(model, batch)
    assert together.shape == (5, 2)
    for row, expected in zip(batch, together, strict=True):
        np.testing.assert_array_equal(predict_int(model, row), expected)


# --- range checks -----------------------------------------------------------------------------


def test_out_of_range_preactivation_names_layer_and_neuron() -> None:
    # act_bits 8: y must lie in [-128, 128). Neuron 1 of layer 1 gets 2 * 100 = 200.
    model = _model([([[1, 0], [0, 1]], [0, 0], False), ([[1, 0], [0, 2]], [0, 0], False)],
                   shift=0)
    with pytest.raises(RangeError) as info:
        forward_int(model, np.array([10, 100]))
    error = info.value
    assert (error.layer, error.layer_name, error.neuron, error.value) == (1, "l1", 1, 200)
    assert error.bounds == (-128, 128)
    assert "layer 1 (l1), neuron 1: value 200" in str(error)


def test_range_check_is_on_y_before_relu() -> None:
    # y = -200 is out of range even though ReLU would make it 0.
    model = _model([([[-2]], [0], True)], shift=0)
    with pytest.raises(RangeError) as info:
        forward_int(model, np.array([100]))
    assert (info.value.layer, info.value.neuron, info.value.value) == (0, 0, -200)


def test_upper_bound_is_exclusive() -> None:
    model = _model([([[1]], [0], False)], shift=0)
    assert predict_int(model, np.array([127])).tolist() == [127]
    with pytest.raises(RangeError):
        predict_int(_model([([[1]], [1], False)], shift=0), np.array([127]))


def test_first_offender_in_a_batch_is_named() -> None:
    model = _model([([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0], False)], shift=0)
    ok = _model([([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0], False)], shift=0)
    assert predict_int(ok, np.array([[1, 2, 3]])).shape == (1, 3)
    with pytest.raises(RangeError) as info:
        forward_int(model, np.array([[0, 0, 0], [0, 5, 500]]))
    assert info.value.layer is None and info.value.neuron == 2 and info.value.value == 500


def test_input_out_of_range_names_the_element() -> None:
    model = _model([([[1, 1, 1]], [0], False)], act_bits=8, shift=0)
    with pytest.raises(RangeError) as info:
        forward_int(model, np.array([1, -129, 2]))
    error = info.value
    assert (error.layer, error.neuron, error.value, error.bounds) == (None, 1, -129, (-128, 128))
    assert str(error).startswith("input, neuron 1")


def test_tampered_weight_overflows_a_named_neuron() -> None:
    x = np.array([60, 60])
    honest = _model([([[1, 1], [1, 1]], [0, 0], True), ([[1, 0]], [0], False)], shift=0)
    assert predict_int(honest, x).tolist() == [120]
    # One weight changed from 1 to 3: neuron 1 of layer 0 becomes 60 + 180 = 240 >= 128.
    tampered = _model([([[1, 1], [1, 3]], [0, 0], True), ([[1, 0]], [0], False)], shift=0)
    with pytest.raises(RangeError) as info:
        predict_int(tampered, x)
    assert (info.value.layer, info.value.layer_name, info.value.neuron) == (0, "l0", 1)


@pytest.mark.parametrize("bad", [np.array([1.0, 2.0]), np.array([1, 2, 3]), np.array([[[1, 2]]])])
def test_bad_inputs_raise_input_error(bad: np.ndarray) -> None:
    model = _model([([[1, 1]], [0], False)])
    with pytest.raises(InputError):
        forward_int(model, bad)


def test_huge_unsigned_input_is_a_range_error() -> None:
    model = _model([([[1, 1]], [0], False)])
    with pytest.raises(RangeError) as info:
        forward_int(model, np.array([0, 2**63 + 5], dtype=np.uint64))
    assert info.value.neuron == 1 and info.value.value == 2**63 + 5


def test_model_refuses_weights_beyond_weight_bits() -> None:
    with pytest.raises(QuantizationError, match=r"layer 0 \('l0'\).*4-bit"):
        _model([([[8]], [0], False)], weight_bits=4)
    with pytest.raises(QuantizationError, match="layer 0"):
        _model([([[-(2**63)]], [0], False)], weight_bits=16)  # |int64 min| must not wrap


def test_model_refuses_accumulators_that_could_reach_2_62() -> None:
    with pytest.raises(QuantizationError, match=r"layer 1 \('l1'\).*neuron 0.*2\^62"):
        _model([([[1]], [0], False), ([[1]], [2**62 - 2**7], False)], act_bits=8)
    _model([([[1]], [0], False), ([[1]], [2**62 - 2**7 - 1], False)], act_bits=8)  # fits


# --- property test against big integers --------------------------------------------------------


def _reference_bigint(layers: list[tuple[list[list[int]], list[int], bool]], x: list[int],
                      act_bits: int, shift: int) -> list[list[int]] | tuple[int | None, int, int]:
    """docs/ARCHITECTURE.md, one Python int at a time: outputs, or (layer, neuron, value)."""
    lo, hi = -(2 ** (act_bits - 1)), 2 ** (act_bits - 1)
    for i, v in enumerate(x):
        if not lo <= v < hi:
            return (None, i, v)
    outputs = []
    for index, (weight, bias, relu) in enumerate(layers):
        out = []
        for j, row in enumerate(weight):
            acc = sum(w * a for w, a in zip(row, x, strict=True)) + bias[j]
            y = acc // 2**shift  # Python's // floors toward -inf
            if not lo <= y < hi:
                return (index, j, y)
            out.append(max(y, 0) if relu else y)
        outputs.append(out)
        x = out
    return outputs


@st.composite
def _networks(draw: st.DrawFn) -> tuple[list[tuple[list[list[int]], list[int], bool]], list[int],
                                        int, int, int]:
    act_bits = draw(st.integers(4, 24))
    weight_bits = draw(st.integers(2, 16))
    shift = draw(st.integers(0, 32))
    w_max = 2 ** (weight_bits - 1) - 1
    half = 2 ** (act_bits - 1)
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    layers = []
    for fan_in, fan_out in itertools.pairwise(widths):
        weight = draw(st.lists(st.lists(st.integers(-w_max, w_max), min_size=fan_in,
                                        max_size=fan_in), min_size=fan_out, max_size=fan_out))
        # Biases up to the size of a shifted activation, so that outputs are interesting.
        b_max = half << shift
        bias = draw(st.lists(st.integers(-b_max, b_max), min_size=fan_out, max_size=fan_out))
        layers.append((weight, bias, draw(st.booleans())))
    x = draw(st.lists(st.integers(-half - 2, half + 1), min_size=widths[0], max_size=widths[0]))
    return layers, x, act_bits, weight_bits, shift


@settings(max_examples=300, deadline=None)
@given(_networks())
def test_forward_int_matches_big_integer_reference(
        case: tuple[list[tuple[list[list[int]], list[int], bool]], list[int], int, int, int],
) -> None:
    layers, x, act_bits, weight_bits, shift = case
    model = _model(layers, act_bits=act_bits, weight_bits=weight_bits, shift=shift)
    expected = _reference_bigint(layers, x, act_bits, shift)
    if isinstance(expected, tuple):
        with pytest.raises(RangeError) as info:
            forward_int(model, np.array(x, dtype=np.int64))
        assert (info.value.layer, info.value.neuron, info.value.value) == expected
    else:
        outputs = forward_int(model, np.array(x, dtype=np.int64))
        assert [o.tolist() for o in outputs] == expected
