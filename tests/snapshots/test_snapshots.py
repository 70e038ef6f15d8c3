"""SVG snapshots of each panel at 80x24 and 120x40, with fixed demo data and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.helpers import make_app, wait_for
from tui.demo import DemoGateway

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def fixed_demo() -> Iterator[DemoGateway]:
    with DemoGateway(now=1_763_900_000.0, seed=7) as gateway:
        yield gateway


async def _settle(pilot: Pilot[object]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.balance is not None)  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()


def _chat(pilot_keys: list[str]) -> Callable[[Pilot[object]], object]:
    async def run(pilot: Pilot[object]) -> None:
        await _settle(pilot)
        await pilot.press(*pilot_keys)
        panel = pilot.app.screen.query_one("#chat-panel")
        await wait_for(
            pilot,
            lambda: (
                len(panel.conversation.turns) == 2  # type: ignore[attr-defined]
                and not panel.streaming
            ),
        )  # type: ignore[attr-defined]
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


def _panel(key: str, ready: Callable[[object], bool]) -> Callable[[Pilot[object]], object]:
    async def run(pilot: Pilot[object]) -> None:
        await _settle(pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


PANELS: dict[str, Callable[[Pilot[object]], object]] = {
    "chat": _chat([*"Explain generators", "enter"]),
    "models": _panel("f3", lambda a: a.screen.query_one("#model-table").row_count > 0),
    "usage": _panel("f4", lambda a: a.screen.query_one("#usage-panel").loaded),
    "balance": _panel("f5", lambda a: a.balance is not None),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("panel", list(PANELS))
def test_panel(
    snap_compare: Callable[..., bool],
    fixed_demo: DemoGateway,
    tmp_path: Path,
    panel: str,
    size: tuple[int, int],
) -> None:
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=PANELS[panel])
