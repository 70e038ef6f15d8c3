"""Terminal charts as plain text: horizontal bars, sparklines and column charts in block
characters (eighths of a cell), so they cost nothing to draw and copy as text."""

from __future__ import annotations

from collections.abc import Sequence

EIGHTHS_ACROSS = " ▏▎▍▌▋▊▉█"
EIGHTHS_UP = " ▁▂▃▄▅▆▇█"


def bar(fraction: float, width: int) -> str:
    """A bar `fraction` (0..1) of `width` cells long, to the eighth of a cell."""
    if width <= 0:
        return ""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    if fraction > 0 and eighths == 0:
        eighths = 1  # something, however small, is not nothing
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS_ACROSS[part] if part else "")


def resample(values: Sequence[float], width: int) -> list[float]:
    """`values` squeezed (averaged) or stretched (repeated) to `width` points."""
    if not values or width <= 0:
        return []
    n = len(values)
    if n == width:
        return list(values)
    out = []
    for i in range(width):
        lo = i * n // width
        hi = max(lo + 1, (i + 1) * n // width)
        chunk = values[lo:hi]
        out.append(sum(chunk) / len(chunk))
    return out


def sparkline(values: Sequence[float], width: int) -> str:
    """One line of ▁..█ for `values` (resampled to `width`), scaled from 0 to the maximum."""
    points = resample(values, width)
    top = max(points, default=0.0)
    if top <= 0:
        return "▁" * len(points)
    return "".join(EIGHTHS_UP[max(1, round(v / top * 8))] if v > 0 else " " for v in points)


def columns(
    values: Sequence[float], width: int, height: int, *, floor: float | None = None
) -> list[str]:
    """A column chart `height` lines tall (top line first), one column per cell, scaled from
    `floor` (default: a little below the smallest value) to the largest value."""
    points = resample(values, width)
    if not points or height <= 0:
        return [""] * max(0, height)
    top, low = max(points), min(points)
    base = floor if floor is not None else max(0.0, low - (top - low) * 0.1)
    span = top - base
    levels = [
        height * 8 if span <= 0 else max(1, round((v - base) / span * height * 8)) for v in points
    ]
    lines = []
    for row in range(height - 1, -1, -1):
        cells = []
        for level in levels:
            filled = level - row * 8
            cells.append("█" if filled >= 8 else EIGHTHS_UP[filled] if filled > 0 else " ")
        lines.append("".join(cells))
    return lines
