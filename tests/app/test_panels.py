"""Each panel driven by keys, as a user would, against the demo gateway over loopback."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable, Static

from tests.helpers import make_app, screen_text, wait_for
from tui.base.textfmt import number
from tui.chat.conversation import Status
from tui.demo import DemoGateway, Fault
from tui.ui.screens.main import MainScreen
from tui.ui.screens.params import ParamsScreen
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.message import MessageItem
from tui.ui.widgets.chat.transcript import Transcript
from tui.ui.widgets.footer import SteadyFooter
from tui.ui.widgets.status import StatusBar
from tui.ui.widgets.tabbar import PanelTabs


def chat_panel(app: object) -> ChatPanel:
    return app.screen.query_one(ChatPanel)  # type: ignore[attr-defined,no-any-return]


def shown_messages(app: object) -> list[MessageItem]:
    return app.screen.query_one(Transcript).items  # type: ignore[attr-defined,no-any-return]


async def test_send_a_message_and_see_the_streamed_answer(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"Explain generators")
        await pilot.press("enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: not panel.streaming and len(panel.conversation.turns) == 2)
        await app.workers.wait_for_complete()
        answer = panel.conversation.turns[-1]
        assert answer.status is Status.DONE
        assert "generators" in answer.content.lower()
        assert answer.usage is not None and answer.usage.completion_tokens > 0
        assert answer.request_id == demo.logs[0]["reqid"]
        views = shown_messages(app)
        assert len(views) == 2
        assert views[-1].source == answer.content
        meta = views[-1].meta
        assert "tokens" in meta
        assert panel.query_one("#prompt").text == ""


async def test_newline_key_does_not_send(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "ctrl+j", "b")
        prompt = chat_panel(app).query_one("#prompt")
        assert prompt.text == "a\nb"
        assert chat_panel(app).conversation.turns == []


async def test_escape_stops_the_stream_and_keeps_the_partial_answer(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("drip", seconds=0.05))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hello", "enter")
        panel = chat_panel(app)
        await wait_for(
            pilot,
            lambda: (
                len(panel.conversation.turns) == 2
                and len(shown_messages(app)[-1].source) > 20
            ),
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not panel.streaming)
        answer = panel.conversation.turns[-1]
        assert answer.status is Status.STOPPED
        assert len(answer.content) > 20
        meta = shown_messages(app)[-1].meta
        assert "stopped" in meta


async def test_pick_a_model_from_the_list_and_see_it_in_the_header(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat_panel(app).conversation is not None)
        await pilot.press("f3")
        table = app.screen.query_one("#model-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press(*"mini")  # matches gemini-… too; the part-of-id match ranks first
        await wait_for(pilot, lambda: table.row_count == 2)
        await pilot.press("enter")
        assert app.model == "gpt-4o-mini"
        assert "gpt-4o-mini" in app.screen.query_one(StatusBar).text("model")
        assert "model gpt-4o-mini" in screen_text(app).splitlines()[0]
        assert isinstance(app.screen, MainScreen) and app.screen.active_panel == "chat"
        assert chat_panel(app).settings.model == "gpt-4o-mini"


async def test_balance_drops_after_a_chat(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        before = app.balance.remaining
        await pilot.press(*"hi", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        charged = Decimal(demo.logs[0]["fen"])
        await wait_for(pilot, lambda: app.balance.remaining == before - charged)
        await pilot.press("f5")
        amount = str(app.screen.query_one("#balance-amount", Static).render())
        assert number(before - charged) in amount


async def test_wrong_key_says_so(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path, key="sk-live-wrongwrongwrong")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hi", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        answer = panel.conversation.turns[-1]
        assert answer.status is Status.FAILED
        assert "rejected the API key" in (answer.error or "")
        assert any("rejected the API key" in str(n.message) for n in app._notifications)
        assert "wrongwrongwrong" not in (answer.error or "")


async def test_out_of_credits_says_so(demo: DemoGateway, tmp_path: Path) -> None:
    demo.balance = 0
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hi", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        assert "Out of credits" in (panel.conversation.turns[-1].error or "")


async def test_rate_limit_shows_a_countdown_and_retry_works(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("status", status=429, headers={"retry-after": "45"}))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hi", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        failed = panel.conversation.turns[-1]
        assert "Rate limited" in (failed.error or "")
        offer = str(app.screen.query_one("#retry-offer", Static).render())
        assert "retry possible in 45 s" in offer
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: panel.conversation.turns[-1] is not failed and not panel.streaming
        )
        assert panel.conversation.turns[-1].status is Status.DONE
        assert len(shown_messages(app)) == 2


async def test_automatic_retry_is_announced(demo: DemoGateway, tmp_path: Path) -> None:
    demo.add_fault(Fault("status", status=429, headers={"retry-after-ms": "50"}))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hi", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        assert panel.conversation.turns[-1].status is Status.DONE
        assert any("Rate limited, retrying in" in str(n.message) for n in app._notifications)


async def test_parameters_dialog_changes_the_conversation(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await pilot.press("tab", *"Be brief.", "tab", *"0.3", "tab", "tab", *"64")
        await pilot.press("ctrl+s")
        settings = chat_panel(app).settings
        assert settings.system == "Be brief."
        assert settings.temperature == 0.3
        assert settings.max_tokens == 64
        line = str(chat_panel(app).query_one("#chat-settings", Static).render())
        assert "temperature 0.3" in line and "max_tokens 64" in line
        await pilot.press(*"hi", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        # max_tokens 64 cuts the demo's longer answer: the gateway said "length"
        assert panel.conversation.turns[-1].finish_reason == "length"


async def test_bad_parameter_is_explained_and_not_applied(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o", "tab", "tab", *"9", "ctrl+s")
        error = str(app.screen.query_one("#params-error", Static).render())
        assert "temperature must be from 0 to 2" in error
        await pilot.press("escape")
        assert chat_panel(app).settings.temperature is None


async def test_copy_last_answer_and_code_block(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"show me code", "enter")
        panel = chat_panel(app)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        await pilot.press("ctrl+t")
        assert app.clipboard == panel.conversation.turns[-1].content
        await pilot.press("ctrl+g")
        assert app.clipboard and app.clipboard in panel.conversation.turns[-1].content
        assert "```" not in app.clipboard


async def test_theme_switch_is_saved(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "tokendeck-dark"
        app.theme = "tokendeck-light"
        await pilot.pause()
    from tui.profiles.config import load

    assert load(tmp_path / "config.toml").theme == "tokendeck-light"


async def test_help_lists_the_panel_keys_and_the_global_ones(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        table = app.screen.query_one("#help-table", DataTable)
        rows = [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]
        actions = {r[1] for r in rows}
        assert {"Send", "Retry", "Params", "Quit", "Help"} <= actions
        ids = {r[2] for r in rows}
        assert "chat.send" in ids and "app.quit" in ids
        await pilot.press("escape")
        assert not app.screen.query("#help-table")


async def test_an_answer_shows_the_credits_its_log_row_charged(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = chat_panel(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"what does this cost", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        answer = panel.conversation.turns[-1]
        await wait_for(pilot, lambda: answer.credits is not None)
        row = demo.logs[0]
        assert row["reqid"] == answer.request_id
        assert answer.credits == Decimal(row["fen"]) and not answer.credits_estimated
        meta = shown_messages(app)[-1].meta
        assert f"{row['fen']} credits" in meta


async def test_a_click_on_a_panel_title_shows_that_panel(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat_panel(app).conversation is not None)
        starts = {name: start for name, start, _end in app.screen.query_one(PanelTabs).spans()}
        await pilot.click(PanelTabs, offset=(starts["balance"] + 2, 0))
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.active_panel == "balance")
        await wait_for(pilot, lambda: "Credit left" in screen_text(app))
        assert not chat_panel(app).display
        await pilot.click(PanelTabs, offset=(starts["chat"], 0))
        await wait_for(pilot, lambda: app.focused is chat_panel(app).query_one("#prompt"))
        assert screen.query_one("#balance-panel").display is False


async def test_a_click_on_a_footer_key_presses_it(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: chat_panel(app).conversation is not None)
        footer = app.screen.query_one(SteadyFooter)
        await wait_for(pilot, lambda: "^o Params" in footer.text())
        line = screen_text(app).splitlines()[-1]
        assert "^o Params" in line and "^p palette" in line
        start = next(s for key, s, _e in footer._spans() if key.description == "Params")
        await pilot.click(SteadyFooter, offset=(start + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, ParamsScreen))
