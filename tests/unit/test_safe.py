"""terminal_safe: every escape, control and bidi override as a visible stand-in, markup escaped
so that Textual shows it as typed; json_safe: the same JSON data, inert on a terminal."""

from __future__ import annotations

import json

from textual.content import Content

from tui.base.safe import json_safe, terminal_safe, without_controls
from tui.demo.hostile import CORPUS, RAW


def test_the_corpus_comes_out_inert_and_visible() -> None:
    for text in CORPUS:
        shown = terminal_safe(text)
        assert not any(mark in shown for mark in (*RAW, "\t", "\n")), repr(text)
        assert Content.from_markup(terminal_safe(text, markup=True)).plain == shown
    assert terminal_safe("\x1b]0;title\x07") == "␛]0;title␇"
    assert terminal_safe("\x9b2J") == "␛[2J"  # an 8-bit CSI as its 7-bit form
    assert terminal_safe("a\u202eb\u2066c") == "a<U+202E>b<U+2066>c"
    assert terminal_safe("x\ty\r\nz", multiline=True) == "x\ty\nz"
    assert terminal_safe("x\ty\nz") == "x␉y␊z"
    assert terminal_safe("中文 [b]ok", markup=True) == "中文 \\[b]ok"
    assert without_controls("a\x1b[2Jb\u202ec") == "a[2Jbc"


def test_json_safe_keeps_the_data() -> None:
    value = {"ids": list(CORPUS), "del": "\x7f", "ls": "a\u2028b"}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert not any(mark in text for mark in (*RAW, "\x7f", "\u2028"))
