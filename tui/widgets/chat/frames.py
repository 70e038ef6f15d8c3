"""Keeping a growing line-API view cheap to repaint: a taller content is not a new layout."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
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
