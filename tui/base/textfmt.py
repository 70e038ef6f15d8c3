"""Plain-text formatting shared by the CLI and the app: display widths, numbers, tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from functools import cache

from .safe import terminal_safe

# Widths come from rich.cells, the table Textual draws with, so the CLI and the app agree on
# every character (CJK two cells, combining marks and joiners none, emoji sequences two).
# It is imported only for non-ASCII text: ASCII-only CLI runs never pay for it.


def cell_len(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK) characters count two, combining marks none."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len as rich_cell_len  # Rich: not for ASCII (CLI start)

    return rich_cell_len(text)


# East Asian wide characters (Hangul jamo, CJK, kana, Hangul syllables, full-width forms): a
# regular-expression class, shared with the line breaking of tui.ui.patches.cjk_wrap.
EAST_ASIAN_WIDE = (
    "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
# Those and the common emoji: two cells each (what `rich.cells` says for them). Compiled on
# first non-ASCII text (a few ms).
_WIDE = (
    EAST_ASIAN_WIDE
    + "\U0001f300-\U0001f64f\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff\U0001fa70-\U0001faff"
    "\U00020000-\U0003fffd"
)


@cache
def _wide_runs() -> re.Pattern[str]:
    return re.compile(f"[{_WIDE}]+")


def approx_cells(text: str) -> int:
    """About the cells `text` takes, fast for long texts: wide characters count two, every
    other character one (exact for ASCII, CJK and plain emoji; marks and joiners count one).
    For estimates such as a message's height before it is laid out; `cell_len` is exact."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(_wide_runs().sub("", text))


def _graphemes(text: str) -> list[tuple[str, int]]:
    """`text` as (grapheme, cells) pairs: a base character with the marks that join it."""
    if text.isascii():
        return [(char, 1) for char in text]
    from rich.cells import split_graphemes  # Rich: not for ASCII (CLI start)

    spans, _total = split_graphemes(text)
    return [(text[start:end], cells) for start, end, cells in spans]


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in … when cut (never inside a wide character)."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    out, used = [], 0
    for grapheme, cells in _graphemes(text):
        if used + cells > width - 1:
            break
        out.append(grapheme)
        used += cells
    return "".join(out) + "…"


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: breaks at spaces, and between any two CJK
    characters (which need no space), never inside a word of Latin letters."""
    lines: list[str] = []
    line, used = "", 0
    for token in _tokens(text):
        cells = cell_len(token)
        if token == " ":
            if used and used < width:
                line, used = line + " ", used + 1
            continue
        if used + cells > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
        while cells > width:  # a single word longer than the line
            head = truncate(token, width + 1)[:-1] or token[0]
            lines.append(head)
            token = token[len(head) :]
            cells = cell_len(token)
        line, used = line + token, used + cells
    if line.strip():
        lines.append(line.rstrip())
    return lines


# Chinese line-breaking: these never start a line, and these never end one.
_NO_START = set("）》」』】〕〉”’、。，．：；！？…)]}.,;:!?%")
_NO_END = set("（《「『【〔〈“‘([{")


def _tokens(text: str) -> list[str]:
    """Words, single spaces, and single wide characters (each a place to break), with
    closing punctuation kept on the character before it and opening on the one after."""
    tokens: list[str] = []
    word, opening = "", ""
    for grapheme, cells in _graphemes(" ".join(text.split())):
        if grapheme in _NO_START and (word or tokens):
            if word:
                word += grapheme
            else:
                tokens[-1] += grapheme
        elif grapheme in _NO_END:
            if word:
                tokens.append(word)
                word = ""
            opening += grapheme
        elif grapheme == " " or cells == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(opening + grapheme if grapheme != " " else grapheme)
            opening = ""
        else:
            word += opening + grapheme
            opening = ""
    if word or opening:
        tokens.append(word + opening)
    return tokens


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


def approx(value: Decimal) -> str:
    """An estimate in as few digits as it deserves: two decimals from 1 up ("5.9"), three
    significant digits below ("0.000123"); thousands separated, trailing zeros trimmed."""
    if not value:
        return "0"
    if abs(value) >= 1:
        return number(value.quantize(Decimal("0.01")))
    return number(value.quantize(Decimal(1).scaleb(value.adjusted() - 2)))


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
    """A table aligned by display cells; the widest column gives way when over `max_width`.
    Cells are made terminal-safe first (they often hold gateway text: model ids, log fields)."""
    rows = [[terminal_safe(cell) for cell in row] for row in rows]
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


def literal(text: str) -> str:
    """Model output made safe for a terminal: control characters, escapes and bidi controls
    shown as visible stand-ins (ESC as ␛), never run; newlines and tabs stay."""
    return terminal_safe(text, multiline=True)
