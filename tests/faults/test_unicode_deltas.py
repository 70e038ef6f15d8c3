"""Property: an answer cut anywhere into deltas — inside UTF-16 surrogate pairs (as JavaScript
gateways cut), inside ZWJ emoji sequences, flags and combining marks — reads back whole."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tui.gateway import ContentDelta
from tui.gateway.stream import ChunkDecoder

EMOJI = st.sampled_from(["🌍", "👨‍👩‍👧‍👦", "🇭🇰", "é", "ñ", "𝄞", "你好", "a", " ", "\n"])


def deltas(text: str, cuts: list[int]) -> list[str]:
    """`text` cut at the given UTF-16 code-unit offsets (lone surrogates where they fall)."""
    units = text.encode("utf-16-le", "surrogatepass")
    count = len(units) // 2
    points = sorted({0, count, *(c % (count + 1) for c in cuts)})
    return [
        units[2 * a : 2 * b].decode("utf-16-le", "surrogatepass")
        for a, b in zip(points, points[1:], strict=False)
    ]


@given(
    st.one_of(st.text(), st.lists(EMOJI).map("".join)),
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=40),
)
def test_text_cut_inside_surrogate_pairs_reads_back_whole(text: str, cuts: list[int]) -> None:
    decoder = ChunkDecoder("gw")
    got: list[str] = []
    for piece in deltas(text, cuts):
        chunk = {"id": "c1", "choices": [{"index": 0, "delta": {"content": piece}}]}
        for event in decoder.feed("message", json.dumps(chunk)):  # lone surrogates as \ud83c
            if isinstance(event, ContentDelta):
                got.append(event.text)
                event.text.encode("utf-8")  # every delta is printable text on its own
    assert "".join(got) == text
