"""What a verifier holds: :class:`VerifierKey`, :class:`Proof` and :class:`Verified`, and
where the machine's derived public parameters are cached.

This module needs neither onnx nor the quantizer, so that checking a proof imports only what
checking needs; :mod:`folding.api` re-exports everything here.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from folding import artefacts
from folding.artefacts import Kind
from folding.errors import ArtefactError
from folding.heads import Heads, heads_from_list, heads_to_list
from folding.srs import Srs

if TYPE_CHECKING:
    from folding.quant_ir import QuantizedModel

__all__ = ["DEFAULT_ENGINE", "ENGINES", "Proof", "Verified", "VerifierKey", "default_cache_dir"]

#: The engine profiles: ``pasta`` (transparent: no setup, keys and verification grow with
#: the model) and ``bn254`` (succinct: a universal SRS, keys of kilobytes, verification in
#: milliseconds).
ENGINES = ("pasta", "bn254")
#: The profile :func:`compile` uses when the caller does not choose.
DEFAULT_ENGINE = "pasta"


def native_module() -> Any:
    """The native core, imported on first use (the pure-Python parts work without it)."""
    from folding import _native

    return _native


def default_cache_dir() -> Path | None:
    """Where public parameters are cached: ``$FOLDING_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/folding/params`` (``~/.cache/folding/params``). Setting
    ``FOLDING_CACHE_DIR`` to ``off`` disables the cache."""
    env = os.environ.get("FOLDING_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "folding" / "params"


def cache_path(cache_dir: str | os.PathLike[str] | None) -> str | None:
    """``cache_dir`` (default :func:`default_cache_dir`) as the native layer takes it:
    a path, or ``None`` for no cache."""
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return str(path) if path is not None else None


@dataclass(frozen=True)
class VerifierKey:
    """What a verifier needs to check proofs of one model.

    Attributes:
        data: The native verifier-key bundle (segment keys, activation encoding).
        commitment: The model commitment (32 bytes) the key stands for.
        input_scale: ``round(x * input_scale)`` is the integer input (informational).
        output_scale: ``y / output_scale`` are the logits (informational).
        engine: The engine profile (``pasta`` or ``bn254``).
        srs_id: The SRS the key pins (:attr:`folding.srs.Srs.id`); ``None`` for ``pasta``.
        heads: The model's outputs as functions of the logits (informational, like the
            scales: :mod:`folding.heads`).
    """

    data: bytes
    commitment: bytes
    input_scale: float
    output_scale: float
    engine: str = DEFAULT_ENGINE
    srs_id: bytes | None = None
    heads: Heads = ()

    @functools.cached_property
    def _prepared(self) -> Any:
        """The native verifier with the segment keys rebuilt, made on first use and kept: a
        key object verifies its second and later proofs without rebuilding them."""
        return self.prepare()

    def prepare(self, *, cache_dir: str | os.PathLike[str] | None = None,
                srs: Srs | bytes | None = None) -> Any:
        """A native verifier for this key, with its segment keys rebuilt from the machine's
        derived parts (kept under ``cache_dir``, default :func:`default_cache_dir`).

        Args:
            cache_dir: Where the shared key parts and generator tables are cached.
            srs: The SRS (or its id) the verifier trusts: a key that pins another fails.

        Raises:
            ModelMismatchError: If the key pins another SRS than ``srs``.
            ArtefactError: If the key is corrupt or was made by an incompatible version.
        """
        expected = srs.id if isinstance(srs, Srs) else srs
        return native_module().PreparedVerifier(self.data, cache_path(cache_dir), expected)

    def __getstate__(self) -> dict[str, Any]:
        # The prepared verifier is native and rebuilt on demand; it is not pickled.
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @classmethod
    def _from_native(cls, data: bytes, input_scale: float, output_scale: float,
                     heads: Heads = ()) -> VerifierKey:
        info = native_module().verifier_key_info(data)
        srs_id = info["srs_id"]
        return cls(data=data, commitment=bytes(info["model_commitment"]),
                   input_scale=input_scale, output_scale=output_scale,
                   engine=str(info["engine"]),
                   srs_id=None if srs_id is None else bytes(srs_id), heads=heads)

    @classmethod
    def _of_model(cls, data: bytes, model: QuantizedModel) -> VerifierKey:
        """The key ``data`` with the scales and heads of ``model``."""
        return cls._from_native(data, model.input_scale, model.output_scale, model.heads)

    def to_bytes(self) -> bytes:
        """Serializes the key as a versioned artefact."""
        header: dict[str, Any] = {"commitment": self.commitment.hex(),
                                  "input_scale": self.input_scale,
                                  "output_scale": self.output_scale}
        if self.heads:
            header["heads"] = heads_to_list(self.heads)
        return artefacts.pack(Kind.VERIFIER_KEY, header, {"key": self.data})

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> VerifierKey:
        """Parses a verifier-key artefact.

        Raises:
            ArtefactError: If it is corrupt, truncated, foreign or inconsistent.
        """
        header, sections = artefacts.unpack(data, Kind.VERIFIER_KEY)
        key = artefacts.require(sections, "key", "verifier key")
        try:
            vk = cls._from_native(bytes(key), float(header["input_scale"]),
                                  float(header["output_scale"]),
                                  heads_from_list(header.get("heads"), "verifier key"))
            stated = bytes.fromhex(header["commitment"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtefactError(f"verifier key: bad header field {exc}") from exc
        if stated != vk.commitment:
            raise ArtefactError("verifier key: header commitment does not match the key")
        return vk


@dataclass(frozen=True)
class Proof:
    """A proof that the committed model maps ``input`` to ``output``.

    Attributes:
        data: The native proof bundle (segment SNARKs and boundary states).
        model_commitment: The commitment of the model the proof is about.
        input: The quantized input (public).
        output: The quantized output (public).
        output_scale: ``output / output_scale`` are the logits (informational).
        stats: Prover timings and circuit sizes.
    """

    data: bytes
    model_commitment: bytes
    input: tuple[int, ...]
    output: tuple[int, ...]
    output_scale: float
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def logits(self) -> npt.NDArray[np.float64]:
        """The output dequantized with the model's output scale."""
        return np.asarray(self.output, dtype=np.float64) / self.output_scale

    @classmethod
    def _from_native(cls, data: bytes, output_scale: float,
                     stats: dict[str, Any] | None = None) -> Proof:
        info = native_module().proof_info(data)
        return cls(data=data, model_commitment=bytes(info["model_commitment"]),
                   input=tuple(info["input"]), output=tuple(info["output"]),
                   output_scale=output_scale, stats=dict(stats or {}))

    def to_bytes(self) -> bytes:
        """Serializes the proof as a versioned artefact."""
        header = {"model_commitment": self.model_commitment.hex(),
                  "output_scale": self.output_scale, "stats": self.stats}
        return artefacts.pack(Kind.PROOF, header, {"proof": self.data})

    @classmethod
    def from_bytes(cls, data: bytes) -> Proof:
        """Parses a proof artefact.

        Raises:
            ArtefactError: If it is corrupt, truncated or foreign.
        """
        header, sections = artefacts.unpack(data, Kind.PROOF)
        try:
            scale = float(header["output_scale"])
            stats = dict(header.get("stats") or {})
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtefactError(f"proof: bad header field {exc}") from exc
        return cls._from_native(bytes(artefacts.require(sections, "proof", "proof")), scale,
                                stats)


@dataclass(frozen=True)
class Verified:
    """The result of a successful verification: what the proof establishes.

    Attributes:
        model_commitment: The model the statement is about.
        input: The quantized input.
        output: The quantized output.
        logits: ``output / output_scale``.
        outputs: The model's head outputs computed from the logits, by output name
            (:mod:`folding.heads`; empty when the logits are the model's output).
    """

    model_commitment: bytes
    input: tuple[int, ...]
    output: tuple[int, ...]
    logits: npt.NDArray[np.float64]
    outputs: dict[str, Any] = field(default_factory=dict)
