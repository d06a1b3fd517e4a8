"""Typed exceptions raised by the folding library.

Every error a user can cause (a malformed model, an unsupported operator, an input out of
range, a corrupt artefact, an invalid proof) is one of these classes; the native Rust core
converts its own error type to them in exactly one place (``rust_ext/py/src/errors.rs``).
"""

from __future__ import annotations


class FoldingError(Exception):
    """Base class of every error raised by ``folding``."""


class ModelImportError(FoldingError):
    """The ONNX model is malformed or cannot be turned into layers.

    Attributes:
        node: Name of the ONNX node (or tensor) at fault, when one is known.
    """

    def __init__(self, message: str, *, node: str | None = None) -> None:
        self.node = node
        prefix = f"node {node!r}: " if node else ""
        super().__init__(prefix + message)


class UnsupportedOperatorError(ModelImportError):
    """The model uses an ONNX operator (or attribute) that the prover does not support.

    Attributes:
        op_type: The ONNX operator type, e.g. ``"Conv"``.
        supported: The operator types that are supported.
    """

    def __init__(self, message: str, *, node: str | None, op_type: str,
                 supported: tuple[str, ...]) -> None:
        self.op_type = op_type
        self.supported = supported
        super().__init__(
            f"{message} (supported operators: {', '.join(supported)})", node=node
        )


class QuantizationError(FoldingError):
    """Fixed-point settings cannot represent the model (bad bit widths, scales, sizes)."""


class RangeError(FoldingError):
    """A value leaves its declared fixed-point range; raised before any proving starts.

    Attributes:
        layer: Index of the layer (0-based) whose output is out of range, or ``None`` for
            the model input.
        layer_name: Human-readable name of that layer (the ONNX node), if any.
        neuron: Index of the offending neuron (element) in that layer's output or input.
        value: The offending integer value.
        bounds: The allowed half-open range ``(lo, hi)``.
    """

    def __init__(self, *, layer: int | None, layer_name: str | None, neuron: int,
                 value: int, bounds: tuple[int, int]) -> None:
        self.layer = layer
        self.layer_name = layer_name
        self.neuron = neuron
        self.value = value
        self.bounds = bounds
        where = "input" if layer is None else f"layer {layer}"
        if layer_name:
            where += f" ({layer_name})"
        super().__init__(
            f"{where}, neuron {neuron}: value {value} leaves the range "
            f"[{bounds[0]}, {bounds[1]})"
        )


class InputError(FoldingError):
    """An input has the wrong shape, type or contents for the model."""


class ArtefactError(FoldingError):
    """An artefact (compiled model, verifier key, proof) is corrupt, truncated or foreign."""


class ArtefactVersionError(ArtefactError):
    """An artefact was written by an incompatible format version."""


class ModelMismatchError(ArtefactError):
    """An artefact belongs to a different model than the one it is used with."""


class SrsError(FoldingError):
    """An SRS (Powers-of-Tau file) is missing, unreadable, malformed or too small for the
    model; the message names the file."""


class ProvingError(FoldingError):
    """The prover failed (for example, the witness does not satisfy the circuit)."""


class CancelledError(ProvingError):
    """The prover was cancelled (its checkpoint, when it keeps one, holds the work done)."""


class VerificationError(FoldingError):
    """A proof is invalid. ``reason`` says which check failed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"proof is invalid: {reason}")


class ClusterError(FoldingError):
    """The Ray cluster cannot run the job: Ray is missing, the cluster lacks the resources
    the job asks for, or workers kept failing past their retries."""
