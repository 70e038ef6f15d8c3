"""Table cells shown literally (DataTable reads plain strings as markup), numbers right-aligned."""

from __future__ import annotations

from rich.text import Text


def cell(text: str) -> Text:
    return Text(text, no_wrap=True, overflow="ellipsis")


def num(text: str) -> Text:
    return Text(text, justify="right", no_wrap=True)
