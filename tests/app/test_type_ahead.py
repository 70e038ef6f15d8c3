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


async def test_ctrl_n_and_a_message_typed_at_start_go_to_the_new_chat(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """After a previous run: Ctrl+N, a message and Enter typed in one burst as the app starts
    are sent in the new conversation the screen shows (the message went to the stored one
    while the screen showed an empty new chat: Ctrl+N's action ran after the Enter)."""
    from tests.app.test_history import ask, chat, transcript
    from tui.store import list_conversations, messages, open_db

    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "earlier")
    again = make_app(demo, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        burst(again, "ctrl+n", *"hello", "enter")
        panel = chat(again)
        await wait_for(pilot, lambda: bool(panel.conversation and panel.conversation.id))
        await wait_for(pilot, lambda: len(transcript(again).items) == 2 and not panel.streaming)
        assert [t.content for t in panel.conversation.turns][:1] == ["hello"]  # type: ignore[union-attr]
        shown = panel.conversation.id  # type: ignore[union-attr]
    with open_db() as db:
        stored = {c.id: [m.content for m in messages(db, c.id)] for c in list_conversations(db)}
    assert stored[shown][0] == "hello" and len(stored) == 2
    assert [text for texts in stored.values() for text in texts].count("hello") == 1
