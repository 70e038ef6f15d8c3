"""Line breaks between Chinese characters in every wrapped text of the app.

Textual (`textual._wrap`) and Rich (`rich._wrap`, used for the Markdown answers) break lines
only at whitespace, and move a run too long for the rest of the line to the next one. Chinese
puts no spaces between words, so a paragraph such as "面向 OpenAI 兼容网关的对话……" left a
half-empty line before every long run. `install` makes each wide character a place to break,
keeping closing punctuation (，。）…) on the character before it and opening punctuation on
the one after. Latin text chunks exactly as before. Both patterns are module globals those
wrappers look up on each call; textual is pinned and tests/unit/test_i18n_cjk.py checks the
result on screen, so a change upstream shows up as a failing test, not as silent raggedness.
"""

from __future__ import annotations

import re

_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
_CLOSE = "、。，．：；！？）》」』】〕〉”’…"
_OPEN = "（《「『【〔〈“‘"
_UNIT = rf"[{_OPEN}]*[{_WIDE}][{_CLOSE}]*|[^\s{_WIDE}]+[{_CLOSE}]*"

# textual._wrap.re_chunk was r"\S+\s*|\s+"; rich._wrap.re_word was r"\s*\S+\s*".
TEXTUAL_CHUNK = re.compile(rf"(?:{_UNIT})\s*|\s+")
RICH_WORD = re.compile(rf"\s*(?:{_UNIT})\s*")


def install() -> None:
    import rich._wrap
    import textual._wrap

    textual._wrap.re_chunk = TEXTUAL_CHUNK
    rich._wrap.re_word = RICH_WORD
