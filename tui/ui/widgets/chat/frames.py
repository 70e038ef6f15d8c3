"""Keeping a growing line-API view cheap to repaint: a taller content is not a new layout, a
changed line is not a changed view."""

from __future__ import annotations

from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give `view` a new virtual size. Setting `virtual_size` lays the whole screen out again
    (a reactive with layout=True: every widget is arranged and many repainted, most of a
    frame's cost while an answer streams); when only the height changed, the view's own place
    on screen cannot change, so the scrollbar is updated and the view repainted instead. A
    scrollbar that appears or goes still lays the screen out (its reactive asks for it)."""
    old = view.virtual_size
    if size == old:
        return
    if size.width != old.width or not view.is_mounted or not view.container_size:
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)  # scrollbar: shown or not, thumb; scroll offsets clamped
    view.refresh()


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
