"""Bounded fuzzing of artefact readers: mutations of valid files, and the rule that every
outcome must follow.

A mutation is a bit flip, a truncation, a splice of two valid files, an overwritten run of
bytes, or random bytes. Whole files mostly stop at the container's checksum, so mutations
also go *inside*: one section (or one header field) is changed and the container sealed
again, which is what reaches the native decoders and the verifier.

The rule (``outcome``): the reader raises a :class:`folding.errors.FoldingError`, or it
succeeds. Anything else (another exception, a Rust panic surfacing as ``PanicException``)
fails the test. Callers add what a success must mean (for a proof: the same statement).

``FOLDING_FUZZ_EXAMPLES`` raises the example count (CI runs a small, derandomized budget).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from folding import artefacts
from folding.artefacts import Kind
from folding.errors import FoldingError

T = TypeVar("T")

EXAMPLES = int(os.environ.get("FOLDING_FUZZ_EXAMPLES", "20"))

#: Settings of every fuzz test: bounded, reproducible in CI, no deadline (a verification
#: takes up to a second).
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                               max_size=4),
    max_leaves=8)


def mutate_bytes(data: st.DataObject, raw: bytes, other: bytes) -> bytes:
    """One mutation of ``raw``; ``other`` is another valid file (or section) to splice in."""
    how = data.draw(st.sampled_from(["flip", "truncate", "splice", "overwrite", "random"]),
                    label="mutation")
    if how == "flip" and raw:
        bit = data.draw(st.integers(0, len(raw) * 8 - 1), label="bit")
        out = bytearray(raw)
        out[bit // 8] ^= 1 << (bit % 8)
        return bytes(out)
    if how == "truncate" and raw:
        return raw[:data.draw(st.integers(0, len(raw) - 1), label="keep")]
    if how == "splice":
        i = data.draw(st.integers(0, len(raw)), label="cut")
        j = data.draw(st.integers(0, len(other)), label="from")
        return raw[:i] + other[j:]
    if how == "overwrite" and raw:
        at = data.draw(st.integers(0, len(raw) - 1), label="at")
        junk = data.draw(st.binary(min_size=1, max_size=32), label="junk")
        return raw[:at] + junk + raw[at + len(junk):]
    keep = data.draw(st.integers(0, min(len(raw), 64)), label="prefix")
    return raw[:keep] + data.draw(st.binary(max_size=256), label="random")


def mutate_artefact(data: st.DataObject, kind: Kind, raw: bytes, other: bytes) -> bytes:
    """A mutated artefact: the whole file, one section (resealed) or one header field."""
    where = data.draw(st.sampled_from(["file", "section", "header"]), label="where")
    if where == "file":
        return mutate_bytes(data, raw, other)
    header, views = artefacts.unpack(raw, kind)
    sections = {name: bytes(v) for name, v in views.items()}
    _, other_views = artefacts.unpack(other, kind)
    if where == "section":
        name = data.draw(st.sampled_from(sorted(sections)), label="section")
        spliced = bytes(other_views.get(name, b""))
        sections[name] = mutate_bytes(data, sections[name], spliced)
    else:
        key = data.draw(st.sampled_from(sorted(header)), label="field")
        header = json.loads(json.dumps(header))
        _set_somewhere(data, header, key)
    return artefacts.pack(kind, header, sections)


def _set_somewhere(data: st.DataObject, header: dict[str, Any], key: str) -> None:
    """Replaces the field ``key``, or one value nested in it, by random JSON."""
    holder: Any = header
    while isinstance(holder[key], (dict, list)) and holder[key] and data.draw(st.booleans()):
        holder = holder[key]
        key = data.draw(st.sampled_from(sorted(holder) if isinstance(holder, dict)
                                        else list(range(len(holder)))), label="nested")
    holder[key] = data.draw(JSON_VALUES, label="value")


def outcome(call: Callable[[], T]) -> T | FoldingError:
    """Runs ``call``; a typed error is an outcome, anything else propagates (and fails)."""
    try:
        return call()
    except FoldingError as exc:
        assert str(exc), "a typed error says what is wrong"
        return exc
