"""SVG snapshots of the compare screen at 80x24 (tabs) and 120x40 (columns), English and
Simplified Chinese: three marked models, every answer done and billed (frozen clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.test_compare_screen import mark
from tests.helpers import DEMO_NOW, make_app, wait_for
from tui.base.i18n import set_language
from tui.demo import DemoGateway
from tui.ui.screens.compare import CompareScreen

MODELS = ["deepseek-chat", "gpt-4o-mini", "qwen-plus"]


@pytest.fixture
def fixed_demo() -> Iterator[DemoGateway]:
    with DemoGateway(now=DEMO_NOW, seed=7) as gateway:
        yield gateway


async def compared(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await wait_for(pilot, lambda: app.balance is not None)
    await app.workers.wait_for_complete()
    await mark(pilot, app, MODELS)
    await pilot.press("f2", *"Explain generators", "f7")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
    screen = app.screen
    await wait_for(
        pilot,
        lambda: bool(screen.columns)
        and not screen.running
        and all(c.lane.billed is not None for c in screen.columns),
    )
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path,
    size: tuple[int, int],
) -> None:  # fmt: skip
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=compared)


def test_compare_zh_cn(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path
) -> None:
    set_language("zh_CN")  # the conftest fixture sets English back afterwards
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=compared)


async def marked(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await wait_for(pilot, lambda: app.balance is not None)
    await app.workers.wait_for_complete()
    await mark(pilot, app, MODELS)
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_models_marked_to_compare(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=marked)
