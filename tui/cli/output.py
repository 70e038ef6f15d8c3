"""Writing to the terminal: stdout for results, stderr for one-line messages, JSON helpers."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from decimal import Decimal
from typing import Any


def out(text: str = "", end: str = "\n") -> None:
    sys.stdout.write(text + end)


def err(text: str) -> None:
    sys.stderr.write(f"tokendeck: {text}\n")
    sys.stderr.flush()


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_json(value: Any) -> None:
    out(json.dumps(value, ensure_ascii=False, indent=2, default=_default))
