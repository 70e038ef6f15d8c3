"""Laying out one part of a message as Strips at a width (Rich renders, cached by the caller)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ...patches.rich_markdown import markdown_class
from .message import Part
from .warm import warm_code

_CODE_THEMES = {True: "monokai", False: "friendly"}
REASONING_BAR = "▎ "


@dataclass(frozen=True)
class Look:
    """The styles parts are drawn with (from the transcript's component classes)."""

    who: Style
    user_who: Style
    user_body: Style
    reasoning: Style
    meta: Style
    meta_error: Style
    meta_warning: Style
    dark: bool


def _lines(console: Console, renderable: RenderableType, width: int, style: Style) -> list[Strip]:
    options = console.options.update(width=width, height=None, highlight=False)
    lines = console.render_lines(renderable, options, style=style, pad=True)
    return [Strip(line, width) for line in lines]


def _indent(strips: list[Strip], left: str, style: Style, width: int) -> list[Strip]:
    """Strips shifted right by `left` (drawn in `style`), cut to `width`."""
    head = Segment(left, style)
    return [Strip([head, *strip]).extend_cell_length(width).crop(0, width) for strip in strips]


def render_part(part: Part, role: str, meta_style: Style, look: Look, console: Console,
                width: int) -> list[Strip]:  # fmt: skip
    """The lines of `part` at `width` cells."""
    width = max(4, width)
    kind = part.kind
    if kind == "gap":
        return [Strip.blank(width)]
    if kind == "who":
        return _lines(console, Text(part.text, no_wrap=True, overflow="ellipsis"), width,
                      look.user_who if role == "user" else look.who)  # fmt: skip
    if kind == "reasoning-head":
        return _lines(console, Text(part.text, no_wrap=True), width, look.reasoning)
    if kind == "meta":
        return _indent(_lines(console, Text(part.text), width - 1, meta_style), " ", Style(), width)
    if kind == "reasoning":
        body = _lines(console, Text(part.text.strip("\n")), width - 2, look.reasoning)
        return _indent(body, REASONING_BAR, look.reasoning, width)
    gap = [Strip.blank(width)] if part.spaced else []
    if part.code is not None:
        return gap + _code(part, look, console, width)
    text = part.text.strip("\n")
    if not text.strip():
        return []
    if role == "user":
        body = _lines(console, Text(text), width - 2, look.user_body)
        edge = Segment(" ", look.user_body)
        return gap + [Strip([edge, *strip, edge]).crop(0, width) for strip in body]
    renderable: RenderableType = (
        Text(text) if part.plain else markdown_class()(text, _CODE_THEMES[look.dark])
    )
    body = _lines(console, renderable, width - 2, Style())
    while body and _empty(body[0]):  # Rich opens lists and code with a blank line
        body.pop(0)
    while body and _empty(body[-1]):
        body.pop()
    return gap + _indent(body, " ", Style(), width)


def _code(part: Part, look: Look, console: Console, width: int) -> list[Strip]:
    """A chunk of a code fence: highlighted once complete; while it grows (the tail of a
    streaming answer), plain on the code background, which is far cheaper to lay out again."""
    from rich.syntax import Syntax  # Pygments: first code block

    theme = _CODE_THEMES[look.dark]
    code = part.body.rstrip("\n")
    padding = (int(part.top), 1, int(part.bottom), 1)
    renderable: RenderableType
    if part.kind == "tail":
        warm_code(part.code or "", theme)  # highlighted once a chunk is complete
        background = Syntax.get_theme(theme).get_background_style()
        renderable = Padding(Text(code), padding, style=background, expand=True)
    else:
        renderable = Syntax(code, part.code or "text", theme=theme, word_wrap=True,
                            padding=padding)  # fmt: skip
    return _indent(_lines(console, renderable, width - 2, Style()), " ", Style(), width)


def _empty(strip: Strip) -> bool:
    return all(not seg.text.strip() and not (seg.style and seg.style.bgcolor) for seg in strip)
