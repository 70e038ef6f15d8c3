"""Table cells shown literally (DataTable reads plain strings as markup; gateway text as inert
stand-ins), numbers right-aligned."""

from __future__ import annotations

from rich.text import Text

from ...base.safe import terminal_safe


def cell(text: str) -> Text:
    return Text(terminal_safe(text), no_wrap=True, overflow="ellipsis")


def num(text: str) -> Text:
    return Text(text, justify="right", no_wrap=True)
