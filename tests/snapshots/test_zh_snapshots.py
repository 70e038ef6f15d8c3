"""SVG snapshots of each panel at 80x24 in Simplified Chinese (fixed demo data, frozen clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import DEMO_NOW, PANEL_SCENES, _chat, make_app
from tui.base.i18n import set_language
from tui.demo import DemoGateway


@pytest.fixture
def fixed_demo() -> Iterator[DemoGateway]:
    with DemoGateway(now=DEMO_NOW, seed=7) as gateway:
        yield gateway


# The chat asks in Chinese, so the question and the answer quoting it wrap between characters.
SCENES = {**PANEL_SCENES, "chat": _chat([*"用中文解释一下 Python 的生成器", "enter"])}


@pytest.mark.parametrize("panel", list(SCENES))
def test_panel_zh_cn(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path, panel: str
) -> None:
    set_language("zh_CN")  # the conftest fixture sets English back afterwards
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=SCENES[panel])
