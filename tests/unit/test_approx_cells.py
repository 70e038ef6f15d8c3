"""`approx_cells`, the fast width used for transcript height estimates, agrees with the exact
`cell_len` on the text a chat holds: ASCII, Chinese, Japanese, Korean, full-width forms, emoji."""

from __future__ import annotations

import pytest

from tui.base.textfmt import approx_cells, cell_len

SAMPLES = [
    "",
    "plain ASCII text, with punctuation!",
    "面向 OpenAI 兼容网关的对话终端，余额不足时请先充值。",
    "日本語のテキストとカタカナ",
    "한국어 텍스트",
    "ｆｕｌｌ－ｗｉｄｔｈ　ｆｏｒｍｓ",
    "emoji 😀🚀 in a sentence 🤖",
    "𠀀𠀁 (CJK extension B)",
    "accents: café, naïve, Ελληνικά, русский",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_approx_cells_matches_cell_len(text: str) -> None:
    assert approx_cells(text) == cell_len(text)


def test_a_long_chinese_text_counts_two_cells_a_character() -> None:
    text = "中文" * 100_000 + "abc"
    assert approx_cells(text) == 400_003
