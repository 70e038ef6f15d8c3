"""SVG snapshots of the attach dialog over the chat at 80x24 and 120x40, English and Simplified
Chinese: one file already waiting above the input, Tab completions of `./` listed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.helpers import DEMO_NOW, make_app, wait_for
from tui.base.i18n import set_language
from tui.chat.prompt_input import read_attachments
from tui.demo import DemoGateway
from tui.ui.screens.attach import AttachScreen
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.attach import AttachedFiles


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    (folder / "src").mkdir(parents=True)
    (folder / "notes.txt").write_text("alpha\nbeta\n")
    (folder / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    monkeypatch.chdir(folder)  # completions of ./ name the same files on every machine
    return folder


@pytest.fixture
def fixed_demo() -> Iterator[DemoGateway]:
    with DemoGateway(now=DEMO_NOW, seed=7) as gateway:
        yield gateway


async def attaching(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    panel = app.screen.query_one(ChatPanel)
    await wait_for(pilot, lambda: panel.conversation is not None and app.balance is not None)
    await app.workers.wait_for_complete()
    panel.query_one(AttachedFiles).add(read_attachments(["notes.txt"]))  # no toast to time out
    await pilot.press("ctrl+b")
    await wait_for(pilot, lambda: isinstance(app.screen, AttachScreen))
    await pilot.press(*"./")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_attach(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path, files: Path,
    size: tuple[int, int],
) -> None:  # fmt: skip
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=attaching)


def test_attach_zh_cn(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path, files: Path
) -> None:
    set_language("zh_CN")  # the conftest fixture sets English back afterwards
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=attaching)
