"""Running the ``folding`` command line in-process, with its output captured."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folding.cli import main


@dataclass(frozen=True)
class Run:
    """The result of one in-process ``main`` call."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(*args: str | Path) -> Run:
    """Runs ``main`` with its stdout and stderr captured (usable outside ``capsys``)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())
