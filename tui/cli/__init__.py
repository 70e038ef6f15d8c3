"""The `tokendeck` command: opens the app, or runs one scriptable command for pipes and cron."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..gateway.errors import ExitCode
from .run import run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tokendeck` console script; returns the exit code."""
    code = run(list(sys.argv[1:] if argv is None else argv))
    return int(code)


def console() -> None:  # pragma: no cover - the console script wrapper
    sys.exit(main())


__all__ = ["ExitCode", "main"]
