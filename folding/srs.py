"""The universal SRS of the succinct ``bn254`` engine: a Powers-of-Tau file.

A verifier key of the ``bn254`` engine pins one SRS by its ``[tau]_2`` (the :attr:`Srs.id`
is a digest of it). Where the SRS comes from decides what a verifier must trust:

* a ceremony file (the Perpetual Powers of Tau, or any prepared snarkjs ``.ptau``): sound as
  long as one participant of the ceremony destroyed their share of ``tau``;
* :meth:`Srs.generate` (``folding srs new``): a **single-party** setup. Whoever ran it could
  have kept ``tau`` and forge proofs for keys made with it. It is sound for a verifier who
  makes it himself and hands it to the prover, and for tests.

The prover needs the SRS only to set up parameters that are not cached; :class:`SrsStore`
remembers which file has which id, so that ``prove`` finds it again by the id its compiled
model pins.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folding.errors import SrsError

__all__ = ["MAX_LOG_SIZE", "Srs", "SrsStore"]

log = logging.getLogger(__name__)

#: Largest SRS: the Perpetual Powers of Tau ceremony's 2^28 powers.
MAX_LOG_SIZE = 28


def _native() -> Any:
    from folding import _native

    return _native


@dataclass(frozen=True)
class Srs:
    """A checked Powers-of-Tau file.

    Attributes:
        path: Where the file is.
        log_size: ``log2`` of the number of G1 powers it provides.
        id: What verifier keys pin (a digest of its ``[tau]_2``).
        tau_g2: Its ``[tau]_2``, compressed.
    """

    path: str
    log_size: int
    id: bytes
    tau_g2: bytes

    @classmethod
    def _from_info(cls, info: dict[str, Any]) -> Srs:
        return cls(path=str(info["path"]), log_size=int(info["log_size"]),
                   id=bytes(info["id"]), tau_g2=bytes(info["tau_g2"]))

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Srs:
        """Opens and checks a ``.ptau`` file: a prepared ceremony file (11 sections), a pruned
        one (3 sections) or one made by :meth:`generate`.

        Raises:
            SrsError: If it is missing, unreadable, malformed, over another curve, or its
                first powers are inconsistent.
        """
        return cls._from_info(dict(_native().srs_info(os.fspath(path))))

    @classmethod
    def generate(cls, path: str | os.PathLike[str], log_size: int) -> Srs:
        """Makes a single-party SRS of ``2**log_size`` powers at ``path`` (see the module
        documentation for what it is good for) and opens it.

        Raises:
            SrsError: If ``log_size`` is outside ``1..MAX_LOG_SIZE`` or the file cannot be
                written.
        """
        if not 1 <= int(log_size) <= MAX_LOG_SIZE:
            raise SrsError(f"SRS {os.fspath(path)}: log size {log_size} is outside "
                           f"1..{MAX_LOG_SIZE}")
        return cls._from_info(dict(_native().srs_new(os.fspath(path), int(log_size))))

    @property
    def short_id(self) -> str:
        """The first 12 hex digits of the id (how messages name an SRS)."""
        return self.id.hex()[:12]


class SrsStore:
    """The SRS files this machine knows, under ``<cache_dir>/srs``: local single-party ones
    made by :meth:`local` and pointers to files registered with :meth:`remember`."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None) -> None:
        self.root = None if cache_dir is None else Path(cache_dir) / "srs"

    def remember(self, srs: Srs) -> None:
        """Records where ``srs`` is, so that :meth:`find` finds it by its id."""
        if self.root is None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / f"{srs.id.hex()}.path").write_text(
                os.path.abspath(srs.path) + "\n", encoding="utf-8")
        except OSError as exc:  # only a convenience: the caller still has the file
            log.warning("cannot record SRS %s in %s: %s", srs.short_id, self.root, exc)

    def find(self, srs_id: bytes) -> Srs | None:
        """The known SRS with id ``srs_id``, if its file is still there and still checks."""
        if self.root is None or not self.root.is_dir():
            return None
        pointer = self.root / f"{srs_id.hex()}.path"
        candidates = []
        if pointer.is_file():
            candidates.append(Path(pointer.read_text(encoding="utf-8").strip()))
        candidates += sorted(self.root.glob(f"local-{srs_id.hex()[:16]}-*.ptau"))
        for path in candidates:
            try:
                srs = Srs.open(path)
            except SrsError as exc:
                log.warning("SRS file %s is unusable: %s", path, exc)
                continue
            if srs.id == srs_id:
                return srs
        return None

    def local(self, log_size: int) -> tuple[Srs, bool]:
        """A local single-party SRS with at least ``2**log_size`` powers: the largest made
        here before if it is big enough, else a new one. Returns it and whether it is new.

        Raises:
            SrsError: If there is no cache directory to keep it in, or it cannot be made.
        """
        if self.root is None:
            raise SrsError("no cache directory to keep a local SRS in: pass an SRS file "
                           "(--srs FILE) or set FOLDING_CACHE_DIR")
        existing: list[Srs] = []
        for path in sorted(self.root.glob("local-*.ptau")) if self.root.is_dir() else []:
            try:
                existing.append(Srs.open(path))
            except SrsError as exc:
                log.warning("ignoring damaged local SRS %s: %s", path, exc)
        usable = [s for s in existing if s.log_size >= log_size]
        if usable:
            return max(usable, key=lambda s: s.log_size), False
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"local-new-{os.getpid()}.ptau"
        made = Srs.generate(tmp, log_size)
        final = self.root / f"local-{made.id.hex()[:16]}-{made.log_size}.ptau"
        os.replace(tmp, final)
        return Srs.open(final), True
