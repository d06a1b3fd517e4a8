"""Choosing the bit widths: the cheapest fixed-point setting whose calibration error meets a
target.

Weight and activation bits trade proving cost against fidelity, and which trade is right
depends on the network: at 8-bit weights a width-16 MLP of depth 512 agrees with its float
model on no calibration sample, at 12 bits on all of them. So the compiler measures instead
of guessing. The candidates (:data:`CANDIDATES`, weight bits then activation bits, in
increasing cost) are quantized one after another; each is priced by the planner's cost
model (``cost``: estimated constraints over all steps) and judged on the calibration samples
against the float model. The first that meets the target wins:

* ``fast``: the same arg-max as the float model on every calibration sample;
* ``default``: that, and ``max |logit error| <= 1e-3`` of the logits' span (``max - min``
  of the float logits over the samples);
* ``exact``: the same at ``1e-5``;
* ``target_error``: the same at a span fraction the caller chooses.

When no candidate meets the target, the most accurate one is used and the report says the
target was missed, with the error reached: a compile never fails for want of precision.
The errors are in-sample; a held-out calibration set gives an honest estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy.typing as npt

from folding.errors import InputError, QuantizationError
from folding.ir import FloatModel
from folding.quant_ir import QuantizedModel
from folding.quantize import quantize

__all__ = ["CANDIDATES", "PRECISIONS", "Candidate", "PrecisionChoice", "choose_precision"]

#: Relative error targets (fractions of the logits' span) by precision name; ``None`` asks
#: for arg-max agreement only.
PRECISIONS: dict[str, float | None] = {"fast": None, "default": 1e-3, "exact": 1e-5}

#: ``(weight_bits, act_bits)`` in increasing cost.
CANDIDATES: tuple[tuple[int, int], ...] = (
    (8, 16), (10, 16), (12, 16), (14, 16), (16, 16), (16, 20), (16, 24))


@dataclass(frozen=True)
class Candidate:
    """One setting tried: its cost, its calibration error, and whether it met the target."""

    weight_bits: int
    act_bits: int
    shift: int | None
    cost: float | None
    relative_error: float | None
    top1_agreement: float | None
    meets: bool
    failure: str | None = None


@dataclass(frozen=True)
class PrecisionChoice:
    """How the bit widths were chosen.

    Attributes:
        precision: ``fast``, ``default``, ``exact`` or ``custom`` (a caller's target).
        target_error: The relative error target; ``None`` for arg-max agreement only.
        candidates: The settings tried, in order.
        chosen: The index of the one used.
        met: Whether it meets the target (else it is the most accurate one tried).
    """

    precision: str
    target_error: float | None
    candidates: tuple[Candidate, ...]
    chosen: int
    met: bool

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"precision": self.precision, "target_error": self.target_error,
                "chosen": self.chosen, "met": self.met,
                "candidates": [asdict(c) for c in self.candidates]}

    def format(self) -> str:
        """One line per candidate, the chosen one marked."""
        goal = ("the float model's arg-max on every calibration sample"
                if self.target_error is None else
                f"max |logit error| <= {self.target_error:g} of the logits' span and the "
                f"float model's arg-max on every calibration sample")
        lines = [f"precision {self.precision}: {goal}"]
        for index, c in enumerate(self.candidates):
            mark = "->" if index == self.chosen else "  "
            if c.failure is not None:
                lines.append(f"  {mark} w{c.weight_bits}/a{c.act_bits}: {c.failure}")
                continue
            lines.append(f"  {mark} w{c.weight_bits}/a{c.act_bits}: error {c.relative_error:.2g} "
                         f"of the span, arg-max agreement {c.top1_agreement:.1%}, cost "
                         f"{c.cost:,.0f} constraints" + (" (meets the target)" if c.meets
                                                          else ""))
        if not self.met:
            lines.append("  no setting meets the target: the most accurate one is used")
        return "\n".join(lines)


def choose_precision(model: FloatModel, calibration: npt.ArrayLike | None, *,
                     cost: Callable[[QuantizedModel], float], precision: str = "default",
                     target_error: float | None = None, shift: int | None = None,
                     ) -> QuantizedModel:
    """Quantizes ``model`` at the cheapest candidate setting that meets the target.

    Args:
        model: The float model.
        calibration: As for :func:`folding.quantize.quantize`.
        cost: Prices a quantized model (the planner's estimated constraints).
        precision: ``fast``, ``default`` or ``exact``.
        target_error: A relative logit error target instead of the precision's.
        shift: As for :func:`folding.quantize.quantize` (``None``: chosen per setting).

    Returns:
        The quantized model; ``report.precision`` says what was tried and why this one.

    Raises:
        InputError: For an unknown precision or a target outside ``(0, 1)``.
        QuantizationError: If no candidate can be quantized at all (the last failure).
    """
    if precision not in PRECISIONS:
        raise InputError(f"unknown precision {precision!r}: expected one of "
                         f"{', '.join(PRECISIONS)}")
    if target_error is not None and not 0.0 < float(target_error) < 1.0:
        raise InputError(f"target error {target_error!r} must be in (0, 1) (a fraction of "
                         f"the logits' span)")
    target = PRECISIONS[precision] if target_error is None else float(target_error)
    name = precision if target_error is None else "custom"
    tried: list[Candidate] = []
    models: list[QuantizedModel | None] = []
    last_failure: QuantizationError | None = None
    for weight_bits, act_bits in CANDIDATES:
        try:
            q = quantize(model, calibration, act_bits=act_bits, weight_bits=weight_bits,
                         shift=shift)
        except QuantizationError as exc:
            last_failure = exc
            tried.append(Candidate(weight_bits, act_bits, None, None, None, None, False,
                                   failure=str(exc)))
            models.append(None)
            continue
        report = q.report
        assert report is not None
        meets = report.top1_agreement == 1.0 and (
            target is None or report.relative_logit_error <= target)
        tried.append(Candidate(weight_bits, act_bits, q.settings.shift, float(cost(q)),
                               report.relative_logit_error, report.top1_agreement, meets))
        models.append(q)
        if meets:
            break
    usable = [i for i, q in enumerate(models) if q is not None]
    if not usable:
        assert last_failure is not None
        raise last_failure
    met = tried[-1].meets
    if met:
        chosen = len(tried) - 1
    else:  # the most accurate: best agreement, then smallest error, then cheapest
        chosen = min(usable, key=lambda i: (-(tried[i].top1_agreement or 0.0),
                                            tried[i].relative_error or 0.0, i))
    choice = PrecisionChoice(precision=name, target_error=target, candidates=tuple(tried),
                             chosen=chosen, met=met)
    best = models[chosen]
    assert best is not None and best.report is not None
    return replace(best, report=replace(best.report, precision=choice))
