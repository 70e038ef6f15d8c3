"""Line breaks between Chinese characters in every wrapped text of the app.

Textual (`textual._wrap`) and Rich (`rich._wrap`, used for the Markdown answers) break lines
only at whitespace, and move a run too long for the rest of the line to the next one. Chinese
puts no spaces between words, so a paragraph such as "面向 OpenAI 兼容网关的对话……" left a
half-empty line before every long run. `install` makes each wide character a place to break,
keeping closing punctuation (，。）…) on the character before it and opening punctuation on
the one after. Latin text chunks exactly as before. Both patterns are module globals those
wrappers look up on each call; textual is pinned and tests/app/test_i18n_app.py checks the
result on screen, so a change upstream shows up as a failing test, not as silent raggedness.

Private members: `textual._wrap.re_chunk`, `rich._wrap.re_word` (replaced). Pinned: textual
8.2.8, rich 15.0.0. Fails when upstream changes: tests/unit/test_i18n.py (the chunks, against
the wrappers' own patterns), tests/app/test_i18n_app.py (Chinese wrapped on screen),
tests/unit/test_patches.py (the symbols and the patterns they had).

Compiling the two patterns takes ~15 ms (Python's regex compiler expands each range of wide
characters code point by code point), so they are compiled on first need: `install` puts a
`_Chunker` in each wrapper's place, which hands text without wide characters (the same chunks
either way: most text, and all of an English screen) to the wrapper's own pattern, and other
text to ours. Such text also wraps a little faster that way than through the larger pattern.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import rich._wrap
import textual._wrap

from ...base.textfmt import EAST_ASIAN_WIDE

SYMBOLS = ("textual._wrap.re_chunk", "rich._wrap.re_word")
PINNED = {"textual": "8.2.8", "rich": "15.0.0"}
TESTS = ("tests/unit/test_i18n.py", "tests/app/test_i18n_app.py")

_WIDE = EAST_ASIAN_WIDE
_CLOSE = "、。，．：；！？）》」』】〕〉”’…"
_OPEN = "（《「『【〔〈“‘"
_UNIT = rf"[{_OPEN}]*[{_WIDE}][{_CLOSE}]*|[^\s{_WIDE}]+[{_CLOSE}]*"

# textual._wrap.re_chunk was r"\S+\s*|\s+"; rich._wrap.re_word was r"\s*\S+\s*".
_SOURCES = {
    "TEXTUAL_CHUNK": rf"(?:{_UNIT})\s*|\s+",
    "RICH_WORD": rf"\s*(?:{_UNIT})\s*",
}


@cache
def pattern(name: str) -> re.Pattern[str]:
    """Our pattern `name` ("TEXTUAL_CHUNK" or "RICH_WORD"), compiled once."""
    return re.compile(_SOURCES[name])


def __getattr__(name: str) -> Any:  # TEXTUAL_CHUNK, RICH_WORD: compiled when first asked for
    if name in _SOURCES:
        return pattern(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Chunker:
    """Stands in for a wrapper's pattern; the wrappers only call `match(text, pos)`, once per
    chunk of the same text, so the choice of pattern is made once per text."""

    __slots__ = ("_name", "_own", "_last")

    def __init__(self, name: str, own: re.Pattern[str]) -> None:
        self._name = name
        self._own = own  # the wrapper's pattern
        self._last: tuple[str, re.Pattern[str]] = ("", own)  # one tuple: threads may call too

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        last = self._last
        if last[0] is not text:
            last = self._last = (text, pattern(self._name) if _wide(text) else self._own)
        return last[1].match(text, pos)


def _wide(text: str) -> bool:
    """Whether `text` has a character of `_WIDE`: U+1100-U+115F or from U+2E80 on."""
    if text.isascii():  # O(1) for str
        return False
    top = max(text)
    if top >= "\u2e80":
        return True
    return top >= "\u1100" and any("\u1100" <= c <= "\u115f" for c in set(text))


def install() -> None:
    if not isinstance(textual._wrap.re_chunk, _Chunker):
        textual._wrap.re_chunk = _Chunker("TEXTUAL_CHUNK", textual._wrap.re_chunk)  # type: ignore[assignment]
    if not isinstance(rich._wrap.re_word, _Chunker):
        rich._wrap.re_word = _Chunker("RICH_WORD", rich._wrap.re_word)  # type: ignore[assignment]
