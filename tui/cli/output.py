"""Writing to the terminal: stdout for results, stderr for one-line messages, JSON helpers."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO, cast

from ..base.safe import json_safe, terminal_safe


def out(text: str = "", end: str = "\n", *, data: bool = False) -> None:
    """Print a result. Text for people is always made terminal-safe (gateway strings inside
    it); `data` (an exported conversation, an answer, JSON) is so only on a terminal, a pipe
    gets it exactly."""
    if not data or sys.stdout.isatty():
        text = terminal_safe(text, multiline=True)
    sys.stdout.write(text + end)


def err(text: str) -> None:
    """One message line on stderr; gateway text inside it is made terminal-safe."""
    sys.stderr.write(f"tokendeck: {terminal_safe(text, multiline=True)}\n")
    sys.stderr.flush()


def for_terminal(stream: TextIO) -> TextIO:
    """`stream`, or on a terminal a wrapper that makes what is written terminal-safe (CSV
    to a terminal); a pipe gets the exact data."""
    isatty = getattr(stream, "isatty", None)
    safe = isatty is not None and isatty()
    return cast(TextIO, _SafeStream(stream)) if safe else stream


class _SafeStream:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(terminal_safe(text, multiline=True))

    def flush(self) -> None:
        self.stream.flush()


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_json(value: Any) -> None:
    """JSON on stdout: the exact data; DEL, C1 and bidi controls as \\u escapes (json.dumps
    escapes the C0 ones), so that it is inert on a terminal too."""
    out(json_safe(json.dumps(value, ensure_ascii=False, indent=2, default=_default)), data=True)
