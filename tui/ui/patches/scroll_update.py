"""Contract: a taller line-API view is not a new layout of the screen.

Private member: `ScrollView._scroll_update(virtual_size)` (the scrollbars and clamped offsets
for a new virtual size), called after `set_reactive(Widget.virtual_size, ...)` instead of
setting the reactive, which lays the whole screen out (most of a frame's cost while an answer
streams). Pinned: textual 8.2.8.
Fails when upstream changes: tests/app/test_stream_paint.py (what a streamed token repaints),
tests/app/test_chat_transcript.py (the scrollbar follows), tests/unit/test_patches.py.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget

SYMBOLS = ("textual.scroll_view.ScrollView._scroll_update",)
PINNED = {"textual": "8.2.8"}
TESTS = ("tests/app/test_stream_paint.py", "tests/app/test_chat_transcript.py")


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give `view` a new virtual size. Setting `virtual_size` lays the whole screen out again
    (a reactive with layout=True: every widget is arranged and many repainted); when only the
    height changed, the view's own place on screen cannot change, so the scrollbar is updated
    and the view repainted instead. A scrollbar that appears or goes still lays the screen out
    (its reactive asks for it)."""
    old = view.virtual_size
    if size == old:
        return
    if size.width != old.width or not view.is_mounted or not view.container_size:
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)  # scrollbar: shown or not, thumb; scroll offsets clamped
    view.refresh()
