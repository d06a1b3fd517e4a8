"""Output heads: what a model computes from its logits after the last proven layer.

Classifiers end in ``Softmax``, ``LogSoftmax``, ``Sigmoid`` or ``ArgMax``, and scikit-learn's
exports add a class-label lookup and a ``ZipMap`` of the probabilities. None of these is
affine, and none is needed in the circuit: they are public functions of the public output.
So the proof states the logits, and whoever reads the proof (the prover's report, the
verifier) applies the head to the proven logits. The head is recorded with the model, as
its scales are, and is not part of what the proof binds: a verifier who needs the head's
output pinned must pin the key file itself, as for the scales.

A model may have several outputs (scikit-learn's label and probabilities); each is a chain
of head operations from the logits. This module has no dependency on onnx: verifying a
proof never needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from folding.errors import ArtefactError

#: The head operations, by name: functions of one vector (the logits, or what an earlier
#: head operation made of them).
HEAD_OPS = ("softmax", "log_softmax", "sigmoid", "argmax", "classes", "zipmap")


@dataclass(frozen=True)
class HeadOp:
    """One head operation; ``classes`` are the labels of ``classes`` and ``zipmap``."""

    op: str
    classes: tuple[int | str, ...] = ()

    def __post_init__(self) -> None:
        if self.op not in HEAD_OPS:
            raise ValueError(f"unknown head operation {self.op!r}")
        if self.op in ("classes", "zipmap") and not self.classes:
            raise ValueError(f"the head operation {self.op!r} needs its class labels")

    def apply(self, values: Any) -> Any:
        """The operation on one flat vector (``zipmap`` returns one dict in a list)."""
        if self.op == "softmax":
            shifted = np.exp(values - np.max(values))
            return shifted / shifted.sum()
        if self.op == "log_softmax":
            top = np.max(values)
            return values - top - np.log(np.exp(values - top).sum())
        if self.op == "sigmoid":
            return 1.0 / (1.0 + np.exp(-values))
        if self.op == "argmax":
            return np.array([int(np.argmax(values))])
        if self.op == "classes":
            index = [int(i) for i in np.asarray(values).reshape(-1)]
            if any(not 0 <= i < len(self.classes) for i in index):
                raise ValueError(f"class index {index} outside the {len(self.classes)} labels")
            return [self.classes[i] for i in index]
        if len(self.classes) != np.asarray(values).size:
            raise ValueError(f"{len(self.classes)} labels for {np.asarray(values).size} values")
        return [{label: float(v) for label, v in zip(self.classes, np.asarray(values).reshape(-1),
                                                     strict=True)}]

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"op": self.op}
        if self.classes:
            entry["classes"] = list(self.classes)
        return entry


@dataclass(frozen=True)
class Head:
    """One output of the model: ``ops`` applied in order to the ``width`` logits."""

    output: str
    ops: tuple[HeadOp, ...]
    width: int

    def __post_init__(self) -> None:
        if self.width <= 0:
            raise ValueError(f"the logits' width must be positive, got {self.width}")
        for op in self.ops:
            if op.classes and len(op.classes) != self.width:
                raise ValueError(f"{len(op.classes)} class labels for {self.width} logits")

    def apply(self, logits: npt.ArrayLike) -> Any:
        """The output's value (a list: numbers, labels, or one dict of ``zipmap``)."""
        values: Any = np.asarray(logits, dtype=np.float64).reshape(-1)
        if values.size != self.width:
            raise ValueError(f"{values.size} logits for a head over {self.width}")
        for op in self.ops:
            values = op.apply(values)
        return [_plain(v) for v in values]


Heads = tuple[Head, ...]


def apply_heads(heads: Heads, logits: npt.ArrayLike) -> dict[str, Any]:
    """Every head output, by name, from the logits of one input; for the logits of several
    inputs one after another (a batch proof's), a list per output, one value per input.

    Raises:
        ValueError: If the logits do not fit the heads' width.
    """
    flat = np.asarray(logits, dtype=np.float64).reshape(-1)
    if not heads:
        return {}
    width = heads[0].width
    if flat.size == width:
        return {head.output: head.apply(flat) for head in heads}
    if flat.size == 0 or flat.size % width:
        raise ValueError(f"{flat.size} logits are not a whole number of outputs of {width}")
    rows = flat.reshape(-1, width)
    return {head.output: [head.apply(row) for row in rows] for head in heads}


def heads_to_list(heads: Heads) -> list[dict[str, Any]]:
    """The JSON form: ``[{"output": name, "width": n, "ops": [{"op": ...}, ...]}, ...]``."""
    return [{"output": head.output, "width": head.width,
             "ops": [op.to_dict() for op in head.ops]} for head in heads]


def heads_from_list(data: Sequence[Mapping[str, Any]] | None, what: str) -> Heads:
    """Parses :func:`heads_to_list` output.

    Raises:
        ArtefactError: If it is malformed (``what`` names the artefact).
    """
    if data is None:
        return ()
    try:
        return tuple(
            Head(output=str(entry["output"]), width=int(entry["width"]),
                 ops=tuple(HeadOp(op=str(op["op"]), classes=tuple(
                     c if isinstance(c, (int, str)) and not isinstance(c, bool) else _bad(c)
                     for c in op.get("classes", ()))) for op in entry["ops"]))
            for entry in data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ArtefactError(f"{what}: bad output heads ({exc})") from exc


def _bad(value: Any) -> Any:
    raise ValueError(f"a class label must be an integer or a string, got {value!r}")


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (JSON-able); labels and dicts unchanged."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
