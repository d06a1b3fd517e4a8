"""``python -m folding``: the command line (see :mod:`folding.cli`)."""

from __future__ import annotations

from folding.cli import main

raise SystemExit(main())
