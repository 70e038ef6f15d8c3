"""Gateway text reaches no panel raw: with the demo gateway serving hostile model ids, log
fields, a new key and error messages (escapes, C1, bidi, Rich markup), the Models, Usage,
Balance and Profiles panels, the status bar, notifications, the chat's model and error lines
and the new-key screen show visible stand-ins, never the escapes, never interpreted markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import make_app, screen_text, wait_for
from tui.demo import DemoGateway, Fault
from tui.demo.hostile import RAW
from tui.ui.app import TokenDeck

SHOWN = ("gpt␛]0;PWNED-TITLE␇-4o", "clip␛]52;c;cHduZWQ=␇", "cls␛[2J", "c1␛[31m", "bell␇",
         "bidi<U+202E>cod.exe<U+202C>")  # fmt: skip


def visible(app: TokenDeck) -> str:
    """The screen and every notification's text as the terminal would get it."""
    toasts = "\n".join(f"{n.title} {n.message}" for n in app._notifications)
    return screen_text(app) + "\n" + toasts


def assert_inert(app: TokenDeck, where: str) -> str:
    shown = visible(app)
    raw = [mark for mark in RAW if mark in shown]
    assert raw == [], f"{where}: raw {raw!r} on screen:\n{shown}"
    assert app.is_running  # [@click=app.quit] did not run
    return shown


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_models_usage_balance_and_status_show_gateway_text_inert(
    demo: DemoGateway, tmp_path: Path
) -> None:
    for endpoint in ("models", "logs"):
        demo.add_fault(Fault("hostile", endpoint=endpoint, times=-1))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f3")
        table: Any = app.screen.query_one("#model-table")
        await wait_for(pilot, lambda: table.row_count > 8)
        await settle(pilot)
        await pilot.press(*"gpt", "enter")  # filter; Enter chats with the highlighted model
        await settle(pilot)
        await pilot.press("f3", "ctrl+u")
        await settle(pilot)
        models = assert_inert(app, "Models")
        assert "[bold]bold[/bold]" in models and "[link=https://evil.example]link[/link]" in models
        assert "c1␛[31m" in models and "bidi<U+202E>cod.exe<U+202C>" in models

        await pilot.press("f2", *"hi", "enter")  # a chat with the hostile model chosen above
        chat: Any = app.screen.query_one("#chat-panel")
        await wait_for(pilot, lambda: len(chat.conversation.turns) == 2 and not chat.streaming)
        await settle(pilot)
        shown = assert_inert(app, "Chat with a hostile model id")
        assert "gpt␛]0;PWNED-TITLE␇-4o" in shown

        await pilot.press("f4")
        usage: Any = app.screen.query_one("#usage-panel")
        await wait_for(pilot, lambda: usage.loaded)
        await settle(pilot)
        shown = assert_inert(app, "Usage")
        assert any(text in shown for text in SHOWN)
        await pilot.press("4")  # by model: the models' ids as the keys
        await wait_for(pilot, lambda: "c1␛[31m" in visible(app))
        assert_inert(app, "Usage by model")

        app.model = "c1\x9b31m[bold]x[/]"  # a model id chosen from the list, on the status bar
        await pilot.press("f5")
        await settle(pilot)
        shown = assert_inert(app, "Balance")
        assert "c1␛[31m[bold]x[/]" in shown


async def test_errors_keys_and_profiles_show_gateway_text_inert(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("hostile", endpoint="balance", times=-1))
    demo.add_fault(Fault("hostile", endpoint="chat"))
    app = make_app(demo, tmp_path, demo_url=demo.url)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.balance_error is not None)
        await settle(pilot)
        shown = assert_inert(app, "balance error")
        assert "␛]0;PWNED-TITLE␇" in shown
        await pilot.press(*"hi", "enter")
        chat: Any = app.screen.query_one("#chat-panel")
        await wait_for(pilot, lambda: len(chat.conversation.turns) == 2 and not chat.streaming)
        await settle(pilot)
        shown = assert_inert(app, "chat error")
        assert "bad request gpt␛]0;PWNED-TITLE␇-4o" in shown, shown
        await pilot.press("f5")
        await settle(pilot)
        assert_inert(app, "Balance error")
        await pilot.press("f6")
        await settle(pilot)
        shown = assert_inert(app, "Profiles")

        demo.add_fault(Fault("hostile", endpoint="create"))
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: "cHduZWQ" in visible(app))
        await settle(pilot)
        shown = assert_inert(app, "new key")
        assert "␛]52;c;cHduZWQ=␇␛[2J" in shown, shown


async def test_compared_models_heads_and_errors_show_stand_ins(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """The compare screen's column heads and each answer's error line show a gateway's model
    id and error text with stand-ins (␇), as its tabs do: they went raw to the screen, where
    the paint-time net dropped the control characters (' CR', 'bell')."""
    from tui.ui.screens.compare import CompareColumn, CompareScreen
    from tui.ui.widgets.chat.transcript import Transcript

    demo.add_fault(Fault("hostile", endpoint="models", times=-1))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        app.marked_models = ["bell\x07", "c1\x9b31m"]  # as Space marks them in the Models panel
        await pilot.press(*"hi", "f7")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen: Any = app.screen
        await wait_for(pilot, lambda: not screen.running and all(
            c.lane.state.ended for c in screen.columns))  # fmt: skip
        await settle(pilot)
        heads = [str(c.query_one(".compare-head").render()) for c in screen.query(CompareColumn)]
        metas = [c.query_one(Transcript).items[-1].meta_text() for c in screen.columns]
        assert_inert(app, "Compare")
    assert heads[0].startswith("bell␇") and heads[1].startswith("c1␛[31m"), heads
    assert "bell␇" in metas[0] and "c1␛[31m" in metas[1], metas
