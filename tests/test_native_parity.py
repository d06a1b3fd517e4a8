"""The native forward pass (the prover's witness generator) equals the NumPy reference (the
specification) on random quantized models, and both report range errors alike."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from folding.api import _native_model
from folding.quant_ir import QuantizedModel, QuantLayer, QuantSettings
from folding.reference import forward_int


def _model(seed: int, widths: list[int], act_bits: int, shift: int) -> QuantizedModel:
    rng = np.random.default_rng(seed)
    # A bias must stay strictly inside 2^(shift + act_bits) in magnitude (the model's bound).
    b = min(64, 2 ** (shift + act_bits) - 1)
    layers = tuple(
        QuantLayer(name=f"l{i}", weight=rng.integers(-31, 32, (o, n)),
                   bias=rng.integers(-b, b + 1, o), relu=i + 2 < len(widths))
        for i, (n, o) in enumerate(itertools.pairwise(widths))
    )
    return QuantizedModel(settings=QuantSettings(act_bits=act_bits, weight_bits=6, shift=shift),
                          layers=layers, input_scale=1.0, output_scale=1.0,
                          layer_scales=tuple(1.0 for _ in layers))


@settings(max_examples=40, deadline=None)
@example(seed=0, widths=[3, 6], act_bits=6, shift=0)  # biases at the bound (found by CI)
@given(seed=st.integers(0, 10**6),
       widths=st.lists(st.integers(1, 9), min_size=2, max_size=6),
       act_bits=st.integers(6, 16), shift=st.integers(0, 8))
def test_native_forward_equals_reference(seed: int, widths: list[int], act_bits: int,
                                         shift: int) -> None:
    model = _model(seed, widths, act_bits, shift)
    native = _native_model(model, False, [])
    rng = np.random.default_rng(seed + 1)
    half = 1 << (act_bits - 1)
    x = rng.integers(-half, half, widths[0])
    try:
        expected = [list(map(int, a)) for a in forward_int(model, x)]
    except Exception as ref_err:  # noqa: BLE001 - both sides must fail the same way
        try:
            native.forward([int(v) for v in x])
        except Exception as nat_err:  # noqa: BLE001
            assert type(nat_err) is type(ref_err)
            assert (nat_err.layer, nat_err.neuron) == (ref_err.layer, ref_err.neuron)  # type: ignore[attr-defined]
            return
        raise AssertionError(f"reference raised {ref_err!r}, native did not") from None
    assert native.forward([int(v) for v in x]) == expected
