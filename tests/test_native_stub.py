"""The native module matches its stub, converts errors to folding.errors, and never panics
into Python on malformed input."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from folding import _native
from folding.errors import ArtefactError, QuantizationError, RangeError

STUB = Path(__file__).resolve().parent.parent / "folding" / "_native.pyi"


def _stub_names() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text())
    names: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = set()
    return names


def test_stub_matches_the_module() -> None:
    stub = _stub_names()
    public = {n for n in dir(_native) if not n.startswith("_")}
    assert public == set(stub), "stub and module export different names"
    for cls, methods in stub.items():
        for m in methods - {"__init__"}:
            assert hasattr(getattr(_native, cls), m), f"{cls}.{m} is in the stub only"


def _layer(w: list[int], b: list[int], n_in: int, n_out: int) -> tuple[object, ...]:
    """A dense layer as ``NativeModel`` takes it (see ``folding.api._native_layer``)."""
    import numpy as np

    return ("dense", n_in, n_out, False, np.array(w, "<i8").tobytes(),
            np.array(b, "<i8").tobytes(), None, 0, None, None)


def test_native_errors_are_typed() -> None:
    with pytest.raises(QuantizationError, match="weight"):
        _native.NativeModel(8, 4, 2, [_layer([100], [0], 1, 1)], False, [])
    with pytest.raises(QuantizationError, match="input width"):
        _native.NativeModel(8, 4, 2, [_layer([1, 1], [0, 0], 1, 2), _layer([1], [0], 1, 1)],
                            False, [])
    m = _native.NativeModel(8, 6, 0, [_layer([20], [0], 1, 1)], False, [])
    with pytest.raises(RangeError) as info:
        m.forward([100])
    assert info.value.layer == 0 and info.value.neuron == 0
    with pytest.raises(RangeError):
        m.forward([500])  # the input itself


def _conv(weights: int, window: list[int], c_out: int, skip: tuple[int, int] | None = None
          ) -> tuple[object, ...]:
    import numpy as np

    c, h, w, kh, kw, sh, sw, top, left, bottom, right = window
    oh, ow = (h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1
    return ("conv", c * h * w, c_out * oh * ow, True, np.ones(weights, "<i8").tobytes(),
            np.zeros(c_out, "<i8").tobytes(), window, c_out, skip, None)


def test_native_map_layers_check_their_geometry() -> None:
    good = [1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1]
    _native.NativeModel(8, 4, 2, [_conv(18, good, 2)], False, [])
    with pytest.raises(QuantizationError, match="pads"):
        _native.NativeModel(8, 4, 2, [_conv(18, [1, 4, 4, 3, 3, 1, 1, 3, 0, 0, 0], 2)],
                            False, [])
    with pytest.raises(QuantizationError, match="weights"):
        _native.NativeModel(8, 4, 2, [_conv(17, good, 2)], False, [])
    with pytest.raises(QuantizationError, match="residual"):
        _native.NativeModel(8, 4, 2, [_conv(9, good, 1, skip=(1, 1))], False, [])
    with pytest.raises(ValueError, match="unknown kind"):
        _native.NativeModel(8, 4, 2, [("lstm", 1, 1, False, b"", b"", None, 0, None, None)],
                            False, [])


@pytest.mark.parametrize("blob", [b"", b"FOLDPRF\0", b"FOLDPRF\0" + b"\xff" * 64, b"\x00" * 100])
def test_malformed_native_bytes_raise_artefact_errors(blob: bytes) -> None:
    with pytest.raises(ArtefactError):
        _native.proof_info(blob)
    with pytest.raises(ArtefactError):
        _native.verify(blob, blob)
