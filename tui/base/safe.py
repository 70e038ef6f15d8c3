"""Gateway text made safe for a terminal: one function for every CLI line and every panel.

A model id, a usage-log field, a balance or error message comes from a server we do not
control. On its way to a terminal, escape sequences (OSC 0 retitles the window, OSC 52 writes
the clipboard, CSI 2J clears the screen), C0/C1 controls, bidi overrides (text that reads
backwards) and, where Textual would interpret it, Rich markup ([link=…], [@click=…]) are shown as
visible stand-ins instead of being run: ESC as ␛ (as the chat shows model output), an 8-bit C1
control as ␛ and its 7-bit letter (\\x9b is ␛[), a bidi control as <U+202E>. JSON and CSV to a
pipe keep the exact data (their writers escape or pass it as data, never through here).
"""

from __future__ import annotations

import re
from functools import cache

# C0 and DEL (tab and newline kept only for multi-line text), C1, bidi embeddings, overrides,
# isolates and marks, the Arabic letter mark, and the Unicode line and paragraph separators.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"


@cache
def _pattern(multiline: bool) -> re.Pattern[str]:
    return re.compile(f"[{_UNSAFE}]" if multiline else f"[{_UNSAFE}\t\n]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␛ ␇ ␍ ␊ ␉ …
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return "\u241b" + chr(code - 0x40)  # C1 as its 7-bit escape: \x9b -> ␛[
    return f"<U+{code:04X}>"


def terminal_safe(text: str, *, multiline: bool = False, markup: bool = False) -> str:
    """`text` from a gateway, safe to show: controls, escapes and bidi overrides as visible
    stand-ins; newlines and tabs kept when `multiline`; with `markup`, also Rich/Textual markup
    escaped (for a Static or notification that interprets it)."""
    if not text.isascii() or not text.isprintable():
        text = _pattern(multiline).sub(_stand_in, text.replace("\r\n", "\n") if multiline
                                       else text)  # fmt: skip
    if markup:
        text = text.replace("[", "\\[")  # Textual's markup reads \[ as a plain [ (round trip)
    return text


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_safe(text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with the characters a terminal would
    act on that json.dumps leaves raw (DEL, C1, bidi controls) written as \\u escapes: the same
    data for any JSON reader, inert on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def without_controls(text: str) -> str:
    """`text` with every control, escape and bidi character dropped (they take no cell, so the
    width stays): the last net before a terminal, where a visible stand-in would not fit."""
    return _pattern(False).sub("", text)
