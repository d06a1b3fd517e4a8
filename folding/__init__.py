"""folding: prove deep neural network inference layer by layer with Nova folding.

The public API is ``compile``, ``prove`` and ``verify`` (see :mod:`folding.api`); errors are
in :mod:`folding.errors`. The native Rust core (``folding._native``) is loaded lazily so that
the pure-Python parts (ONNX import, quantization, the reference forward pass) import without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Srs", "__version__", "compile", "prove", "prove_batch", "verify"]

if TYPE_CHECKING:  # pragma: no cover
    from folding.api import compile, prove, prove_batch, verify
    from folding.srs import Srs


def __getattr__(name: str) -> Any:
    if name in ("compile", "prove", "prove_batch", "verify"):
        from folding import api

        return getattr(api, name)
    if name == "Srs":
        from folding.srs import Srs

        return Srs
    raise AttributeError(f"module 'folding' has no attribute {name!r}")
