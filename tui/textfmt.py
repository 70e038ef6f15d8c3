"""Plain-text formatting shared by the CLI and the app: display widths, numbers, tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal


def cell_len(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK) characters count two, combining marks none."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in … when cut."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = cell_len(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - cell_len(text))
    return gap + text if right else text + gap


def number(value: Decimal | int | float | None, places: int | None = None) -> str:
    """A number with thousands separators, no exponent, trailing zeros trimmed."""
    if value is None:
        return "—"
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, int):
        return f"{value:,}"
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = f"{value:,f}"
    if "." in text and places is None:
        text = text.rstrip("0").rstrip(".")
    return text


def plain(value: Decimal) -> str:
    """A Decimal as a plain machine-readable string (no separators, no exponent)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[bool] | None = None,
    max_width: int | None = None,
) -> str:
    """A table aligned by display cells; the widest column gives way when over `max_width`."""
    right = right or [False] * len(headers)
    widths = [cell_len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_len(cell))
    if max_width:
        while sum(widths) + 2 * (len(widths) - 1) > max_width and max(widths) > 8:
            widths[widths.index(max(widths))] -= 1
    lines = []
    for row in [list(headers), *rows]:
        cells = [pad(truncate(c, widths[i]), widths[i], right[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
