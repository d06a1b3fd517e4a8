"""The versioned container every artefact (compiled model, verifier key, proof) is stored in.

Layout (all integers little-endian)::

    magic  b"FOLDART\\0"                  8 bytes
    kind   u8   (1 model, 2 verifier key, 3 proof)
    format u16  (container format version)
    header u32 length + UTF-8 JSON        (library version, kind-specific metadata)
    count  u32, then per section: u16 name length, name, u64 data length, data
    sha256 of everything above            32 bytes

The checksum catches accidental corruption and truncation with a clear message; it is not a
security measure: what a proof proves is checked cryptographically by the verifier.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from folding import __version__
from folding.errors import ArtefactError, ArtefactVersionError

MAGIC = b"FOLDART\0"
FORMAT_VERSION = 1
_DIGEST = 32


class Kind(IntEnum):
    """The kinds of artefact."""

    MODEL = 1
    VERIFIER_KEY = 2
    PROOF = 3


def pack(kind: Kind, header: Mapping[str, Any], sections: Mapping[str, bytes]) -> bytes:
    """Serializes an artefact.

    Args:
        kind: What the artefact is.
        header: JSON-able metadata; ``library`` and ``kind`` are added.
        sections: Named binary payloads.

    Returns:
        The artefact bytes.
    """
    meta = dict(header)
    meta["library"] = __version__
    meta["kind"] = kind.name.lower()
    head = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    parts = [MAGIC, struct.pack("<BHI", int(kind), FORMAT_VERSION, len(head)), head,
             struct.pack("<I", len(sections))]
    for name, data in sections.items():
        raw = name.encode()
        parts += [struct.pack("<H", len(raw)), raw, struct.pack("<Q", len(data)), bytes(data)]
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


class _Reader:
    """Reads a memoryview without copying it (verifier keys of deep models are hundreds of
    MB, nested in the compiled model, and every copy shows in the prover's peak memory)."""

    def __init__(self, data: memoryview, what: str) -> None:
        self.data, self.pos, self.what = data, 0, what

    def view(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ArtefactError(f"{self.what} is truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def take(self, n: int) -> bytes:
        return bytes(self.view(n))

    def unpack(self, fmt: str) -> tuple[int, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))


def unpack(data: bytes | memoryview, expected: Kind
           ) -> tuple[dict[str, Any], dict[str, memoryview]]:
    """Parses and checks an artefact.

    Args:
        data: The artefact bytes.
        expected: The kind the caller needs.

    Returns:
        ``(header, sections)``. The sections are views into ``data``, not copies: a caller
        copies (``bytes(...)``) what it keeps, so that it does not keep ``data`` alive.

    Raises:
        ArtefactError: If the bytes are not an artefact, are corrupt or truncated, or are of
            another kind.
        ArtefactVersionError: If the container format is not one this library reads.
    """
    what = expected.name.lower().replace("_", " ")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArtefactError(f"{what}: expected bytes, got {type(data).__name__}")
    view = memoryview(data).cast("B")
    if len(view) < len(MAGIC) or bytes(view[:len(MAGIC)]) != MAGIC:
        raise ArtefactError(f"not a folding artefact (expected a {what})")
    if len(view) < len(MAGIC) + 7 + _DIGEST:
        raise ArtefactError(f"{what} is truncated")
    reader = _Reader(view[:-_DIGEST], what)
    reader.take(len(MAGIC))
    kind, version, head_len = reader.unpack("<BHI")
    if version != FORMAT_VERSION:
        raise ArtefactVersionError(
            f"{what} uses container format {version}; this library (folding {__version__}) "
            f"reads format {FORMAT_VERSION}"
        )
    if hashlib.sha256(view[:-_DIGEST]).digest() != bytes(view[-_DIGEST:]):
        raise ArtefactError(f"{what} is corrupt or truncated (checksum mismatch)")
    if kind != expected:
        found = Kind(kind).name.lower() if kind in Kind._value2member_map_ else str(kind)
        raise ArtefactError(f"expected a {what}, found a {found.replace('_', ' ')}")
    try:
        header = json.loads(reader.take(head_len))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtefactError(f"{what}: bad header ({exc})") from exc
    if not isinstance(header, dict):
        raise ArtefactError(f"{what}: header is not an object")
    (count,) = reader.unpack("<I")
    sections: dict[str, memoryview] = {}
    for _ in range(count):
        (name_len,) = reader.unpack("<H")
        name = reader.take(name_len).decode("utf-8", errors="replace")
        (size,) = reader.unpack("<Q")
        sections[name] = reader.view(size)
    if reader.pos != len(reader.data):
        raise ArtefactError(f"{what}: trailing bytes")
    return header, sections


def require(sections: Mapping[str, memoryview], name: str, what: str) -> memoryview:
    """Returns a section or raises :class:`ArtefactError` naming it."""
    if name not in sections:
        raise ArtefactError(f"{what} has no {name!r} section")
    return sections[name]
