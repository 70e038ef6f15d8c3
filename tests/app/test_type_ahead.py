"""Keys typed in one burst (a paste, a fast typist, tmux send-keys) right after a panel key
reach the panel even while it is still being mounted for the first time."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from tests.helpers import make_app, wait_for
from tui.demo import DemoGateway
from tui.ui.app import TokenDeck
from tui.ui.widgets.usage import UsagePanel


def burst(app: TokenDeck, *keys: str) -> None:
    """Send `keys` as a terminal delivers a burst: all queued before any is handled."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, "/" if key == "slash" else key if len(key) == 1 else None)
        event.set_sender(app)
        driver.send_message(event)


async def test_keys_typed_while_the_panel_mounts_reach_it(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        burst(app, "f4", "t")  # the range key, typed before the panel exists
        await wait_for(pilot, lambda: bool(app.screen.query("#usage-panel")))
        usage = app.screen.query_one("#usage-panel", UsagePanel)
        await wait_for(pilot, lambda: usage.range == "today")

        burst(app, "f2", "f3", "slash")  # and the filter key of another panel
        await wait_for(pilot, lambda: bool(app.screen.query("#models-panel")))
        models = app.screen.query_one("#models-panel")
        await wait_for(pilot, lambda: app.focused is not None and models in app.focused.ancestors)
        burst(app, "f4", "slash")
        search = usage.query_one("#usage-text", Input)
        await wait_for(pilot, lambda: app.focused is search)
        burst(app, "g", "p", "t")  # typed into the filter, not taken as keys of the panel
        await wait_for(pilot, lambda: search.value == "gpt")
        assert usage.range == "today"
