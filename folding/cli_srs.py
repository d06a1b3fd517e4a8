"""The command line's SRS verbs and options: ``folding srs new|info`` and the ``--srs`` /
``--ptau`` options of ``compile``, ``prove`` and ``verify`` (the ``bn254`` engine)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from folding.cli_types import positive_int
from folding.errors import SrsError
from folding.srs import MAX_LOG_SIZE, Srs


class SrsUsageError(Exception):
    """An SRS file that cannot be used (the command line reports it as a usage error)."""


def add_srs_option(p: argparse.ArgumentParser, *, verb: str) -> None:
    """``--srs FILE`` (any ``.ptau``, e.g. from ``folding srs new``) and ``--ptau FILE`` (a
    ceremony file): the same option, named for where the file came from."""
    helps = {
        "compile": "the bn254 engine's SRS (default: a local single-party SRS in the cache)",
        "prove": "the bn254 SRS the model pins, if its parameters are not cached here",
        "verify": "trust only keys made with this SRS (bn254)",
    }
    g = p.add_mutually_exclusive_group()
    g.add_argument("--srs", type=Path, metavar="FILE.ptau", help=helps[verb])
    g.add_argument("--ptau", type=Path, metavar="FILE.ptau", dest="srs",
                   help="the same, for a Perpetual Powers of Tau (ceremony) file")


def open_srs(path: Path | None) -> Srs | None:
    """The SRS a ``--srs``/``--ptau`` option names, checked.

    Raises:
        SrsUsageError: If the file is missing, unreadable or not a usable SRS.
    """
    if path is None:
        return None
    try:
        return Srs.open(path)
    except SrsError as exc:
        raise SrsUsageError(str(exc)) from None


def _describe(srs: Srs) -> dict[str, Any]:
    return {"path": srs.path, "log_size": srs.log_size, "powers": 1 << srs.log_size,
            "id": srs.id.hex(), "tau_g2": srs.tau_g2.hex()}


def _text(srs: Srs, made: bool) -> str:
    lines = [f"{'made' if made else 'SRS'} {srs.path}: 2^{srs.log_size} powers",
             f"id: {srs.id.hex()}"]
    if made:
        lines.append("a single-party setup: whoever ran this could forge proofs for keys made "
                     "with it; fine for tests and for a verifier who made it himself")
    return "\n".join(lines)


def _cmd_new(args: argparse.Namespace) -> int:
    if args.output.exists() and not args.force:
        raise SrsUsageError(f"SRS '{args.output}': exists (pass --force to replace it)")
    if not args.output.parent.is_dir():
        raise SrsUsageError(f"SRS '{args.output}': directory '{args.output.parent}' does not "
                            "exist")
    if args.log_size > MAX_LOG_SIZE:
        raise SrsUsageError(f"--log-size {args.log_size} exceeds {MAX_LOG_SIZE}")
    srs = Srs.generate(args.output, args.log_size)
    _print(args, _text(srs, True), _describe(srs))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    srs = open_srs(args.file)
    assert srs is not None
    _print(args, _text(srs, False), _describe(srs))
    return 0


def _print(args: argparse.Namespace, text: str, data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2) if args.json else text)


def add_srs(sub: Any, common: argparse.ArgumentParser) -> None:
    """``folding srs new -o FILE --log-size K`` and ``folding srs info FILE``."""
    p = sub.add_parser("srs", parents=[common],
                       help="make or check the bn254 engine's SRS (a Powers-of-Tau file)")
    verbs = p.add_subparsers(dest="srs_command", required=True, metavar="VERB")
    new = verbs.add_parser("new", parents=[common],
                           help="make a local single-party SRS (for tests, or for a verifier "
                                "who makes it and hands it to the prover)")
    new.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.ptau")
    new.add_argument("--log-size", type=positive_int, required=True, metavar="K",
                     help="2^K powers (folding inspect prints what a model needs)")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.set_defaults(func=_cmd_new)
    info = verbs.add_parser("info", parents=[common], help="check an SRS file and print its id")
    info.add_argument("file", type=Path, metavar="FILE.ptau")
    info.set_defaults(func=_cmd_info)
