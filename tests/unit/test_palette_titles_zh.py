"""The command palette's titles are 'area: action'; in Chinese the area is translated too
('对话：对比模型'), so that the palette reads as one language and finds commands by it
('chat: 对比模型' stood alone among '对话：…')."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "tui/locale/zh_CN/LC_MESSAGES/tokendeck.po"
AREA = re.compile(r"^(chat|model|usage|balance|profiles|template|language|panel): ")


def test_palette_areas_are_translated() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f)
    left = [
        (m.id, m.string)
        for m in catalog
        if isinstance(m.id, str)
        and AREA.match(m.id)
        and isinstance(m.string, str)
        and AREA.match(m.string)
    ]
    assert not left, left
