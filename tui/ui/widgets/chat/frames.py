"""Keeping a growing line-API view cheap to repaint: a changed line is not a changed view (and a
taller content is not a new layout: tui.ui.patches.scroll_update)."""

from __future__ import annotations

from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip


def repaint_part(view: ScrollView, top: int, previous: list[Strip] | None,
                 strips: list[Strip]) -> None:  # fmt: skip
    """A part shown from row `top` of `view` was laid out again: repaint from its first line
    that differs from what was painted (`previous`, None when unknown) down to the bottom
    (what follows may have moved). While an answer streams this is mostly its last line or
    two: the compositor then redraws those instead of the whole transcript."""
    same = 0
    if previous is not None:
        for old, new in zip(previous, strips, strict=False):
            if old != new:
                break
            same += 1
        if same == len(previous) == len(strips):
            return
    region = view.scrollable_content_region
    y = max(0, top + same)
    if y < region.height:
        view.refresh(Region(0, y, region.width, region.height - y))
