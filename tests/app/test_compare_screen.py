"""Comparing models in the app, by keys: mark models in the Models panel, F7 in the chat,
the answers side by side (or tabbed at 80 columns) with their figures, stop, pick a winner."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable

from tests.helpers import make_app, screen_text, wait_for
from tui.chat.compare import LaneState
from tui.demo import DemoGateway, Fault
from tui.store import list_conversations
from tui.store.comparisons import load_comparison
from tui.ui.screens.compare import CompareColumn, CompareScreen
from tui.ui.widgets.chat import ChatPanel

MODELS = ["deepseek-chat", "gpt-4o-mini", "qwen-plus"]


async def mark(pilot: object, app: object, models: list[str]) -> None:
    """F3, then Space on each model's row (found by moving the cursor)."""
    await pilot.press("f3")  # type: ignore[attr-defined]
    table = app.screen.query_one("#model-table", DataTable)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: table.row_count > 0)  # type: ignore[arg-type]
    await pilot.press("down")  # type: ignore[attr-defined]
    ids = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
    for model in models:
        target = ids.index(model)
        while table.cursor_row != target:
            await pilot.press("down" if table.cursor_row < target else "up")  # type: ignore[attr-defined]
        await pilot.press("space")  # type: ignore[attr-defined]


async def compare(pilot: object, app: object, models: list[str], prompt: str) -> CompareScreen:
    await mark(pilot, app, models)
    await pilot.press("f2", *prompt, "f7")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))  # type: ignore[attr-defined,arg-type]
    return app.screen  # type: ignore[attr-defined,no-any-return]


def ended(screen: CompareScreen) -> bool:
    return bool(screen.columns) and not screen.running and all(
        c.lane.state.ended for c in screen.columns
    )


async def test_marked_models_answer_side_by_side_with_billed_costs(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await compare(pilot, app, MODELS, "Explain generators")
        await wait_for(pilot, lambda: ended(screen))
        rows = {row["reqid"]: row for row in demo.logs}
        await wait_for(pilot, lambda: all(c.lane.billed is not None for c in screen.columns))
        await pilot.pause()
        columns = list(screen.query(CompareColumn))
        assert [c.lane.model for c in columns] == MODELS
        assert all(c.display for c in columns)  # side by side at 120 columns
        text = screen_text(app)
        for column in columns:
            lane = column.lane
            assert lane.state == LaneState.DONE
            assert lane.billed == Decimal(rows[lane.request_id or ""]["fen"])
            assert f"{lane.billed} credits billed" in text
            assert column.view is not None and column.view.source == lane.text
        assert "first token" in text and "tokens" in text
        await pilot.press("e")  # export: Markdown with the summary table
        await pilot.pause()
        exports = list((Path.home() / ".local/share/tokendeck/exports").glob("*.md"))
        assert len(exports) == 1
        exported = exports[0].read_text()
        assert "| model | first token | tokens/s | tokens | cost | finish |" in exported
        for column in columns:
            assert f"| {column.lane.model} |" in exported


async def test_tabs_at_80_columns_and_a_failed_model_keeps_its_error(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await mark(pilot, app, ["deepseek-chat", "gpt-4o"])
        app.marked_models.append("no-such-model")  # a model the gateway refuses
        await pilot.press("f2", *"hello", "f7")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await wait_for(pilot, lambda: ended(screen))
        shown = [c for c in screen.columns if c.display]
        assert len(shown) == 1 and shown[0] is screen.columns[0]  # one answer at a time
        assert "1 deepseek-chat ✓" in screen_text(app)
        await pilot.press("3")
        await pilot.pause()
        failed = screen.columns[2]
        assert failed.display and failed.lane.state == LaneState.FAILED
        assert "no-such-model" in screen_text(app)  # its error, in its own column
        assert screen.columns[0].lane.state == screen.columns[1].lane.state == LaneState.DONE
        assert not screen.check_action("winner", ())  # nothing to go on with


async def test_stop_one_then_pick_a_winner_to_go_on(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await pilot.press(*"first question", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        demo.token_rate = 20  # slow: both answers are still streaming when x is pressed
        screen = await compare(pilot, app, MODELS[:2], "which is better")
        await wait_for(
            pilot, lambda: len(screen.columns) == 2 and screen.columns[0].lane.deltas > 3
        )
        await pilot.press("x")  # stops the shown (first) answer
        await wait_for(pilot, lambda: screen.columns[0].lane.state.ended)
        demo.token_rate = None  # the other one now finishes at once
        assert screen.columns[0].lane.state == LaneState.STOPPED
        assert not screen.columns[1].lane.state.ended
        await wait_for(pilot, lambda: ended(screen))
        assert screen.columns[1].lane.state == LaneState.DONE
        await pilot.press("right", "w")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 4)
        turns = panel.conversation.turns
        assert turns[2].content == "which is better" and turns[3].model == MODELS[1]
        assert turns[3].content == screen.columns[1].lane.text
        assert app.model == MODELS[1]
        db = panel.history.db
        listed = list_conversations(db)
        comparison = next(c for c in listed if c.title.startswith("⚖"))
        stored = load_comparison(db, comparison.id)
        assert stored is not None and stored.parent_id == panel.conversation.id
        assert stored.winner is not None and stored.winner.message.model == MODELS[1]
        assert stored.answers[0].message.status == "stopped"


async def test_escape_stops_all_then_closes_keeping_the_prompt(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("drip", seconds=0.05, times=2))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await compare(pilot, app, MODELS[:2], "slow one")
        await wait_for(pilot, lambda: len(screen.columns) == 2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: ended(screen))
        assert {c.lane.state for c in screen.columns} == {LaneState.STOPPED}
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))
        panel = app.screen.query_one(ChatPanel)
        assert panel.query_one("#prompt").text == "slow one"  # no winner: the prompt stays


async def test_compare_without_marked_models_says_how(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"hi", "f7")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)
        assert any("Models panel" in str(n.message) for n in app._notifications)


async def test_a_comparison_reopens_from_search_and_its_winner_goes_on(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await compare(pilot, app, MODELS[:2], "Explain generators")
        await wait_for(pilot, lambda: ended(screen))
        await wait_for(pilot, lambda: all(c.lane.billed is not None for c in screen.columns))
        billed = [c.lane.billed for c in screen.columns]
        texts = [c.lane.text for c in screen.columns]
        await pilot.press("escape")  # closed without a winner
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))
        await pilot.press("ctrl+u", "ctrl+f", *"generators")
        await wait_for(pilot, lambda: len(app.screen.hits) > 0)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        again = app.screen
        assert isinstance(again, CompareScreen) and again.stored is not None
        await wait_for(pilot, lambda: len(again.columns) == 2)
        await pilot.pause()
        assert [c.lane.text for c in again.columns] == texts  # each answer as it was
        assert [c.lane.billed for c in again.columns] == billed
        text = screen_text(app)
        assert f"{billed[0]} credits billed" in text and "first token" in text
        await pilot.press("right", "w")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2)
        assert panel.conversation.turns[1].content == texts[1]
        assert panel.conversation.turns[1].model == MODELS[1]


async def test_a_rate_limited_model_says_it_waits_and_then_answers(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("status", status=429, headers={"Retry-After": "2"}))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await compare(pilot, app, MODELS[:2], "hello")
        await wait_for(pilot, lambda: any(c.lane.state == LaneState.WAITING
                                          for c in screen.columns))  # fmt: skip
        waited = next(c for c in screen.columns if c.lane.state == LaneState.WAITING)
        await wait_for(pilot, lambda: "rate limited — asking again in" in screen_text(app))
        await wait_for(pilot, lambda: ended(screen))
        assert all(c.lane.state == LaneState.DONE for c in screen.columns)
        assert waited.lane.attempts == 2  # asked again after its Retry-After
        other = next(c for c in screen.columns if c is not waited)
        assert other.lane.attempts == 1  # the other one never waited


async def test_a_winner_picked_while_another_streams_stops_it_and_keeps_it(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("drip", seconds=0.2))  # one of the two answers comes slowly
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await compare(pilot, app, MODELS[:2], "race")
        await wait_for(pilot, lambda: len(screen.columns) == 2)
        await wait_for(pilot, lambda: any(c.lane.state.ended for c in screen.columns))
        fast = next(i for i, c in enumerate(screen.columns) if c.lane.state.ended)
        slow = screen.columns[1 - fast].lane
        assert not slow.state.ended
        await pilot.press(str(fast + 1), "w")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))
        await wait_for(pilot, lambda: slow.state.ended)
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2)
        assert panel.conversation.turns[1].content == screen.columns[fast].lane.text
        db = panel.history.db
        comparison = next(c for c in list_conversations(db) if c.title.startswith("⚖"))
        stored = load_comparison(db, comparison.id)
        assert stored is not None
        statuses = {a.message.model: str(a.message.status) for a in stored.answers}
        assert statuses[slow.model] == "stopped"  # stopped when the winner was picked, kept
        assert stored.answers[1 - fast].message.content == slow.text


async def test_f7_right_after_typing_compares_every_key_typed(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """F7 is a priority binding: it ran before the keys typed in the same burst reached the
    prompt (tmux send-keys, a paste), so it compared a cut prompt, or said to type one."""
    from tests.app.test_type_ahead import burst

    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await mark(pilot, app, MODELS[:2])
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.query_one(ChatPanel).conversation is not None)
        burst(app, *"second one", "f7")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        assert app.screen.prompt == "second one"


async def test_files_waiting_to_be_attached_are_not_left_out_of_a_comparison_unsaid(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """The compared models are sent the typed prompt only: with a file waiting above the
    input, F7 says so instead of comparing without it (the file then went with the next chat
    message instead)."""
    from tui.ui.screens.attach import AttachScreen

    (tmp_path / "notes.txt").write_text("alpha\n")
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await mark(pilot, app, MODELS[:2])
        await pilot.press("f2")
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachScreen))
        await pilot.press(*f"{tmp_path}/notes.txt", "enter")
        await wait_for(pilot, lambda: bool(panel.attached))
        sent = len(demo.chat_requests)
        await pilot.press(*"what is in it", "f7")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)
        assert len(demo.chat_requests) == sent
        said = [n.message for n in app._notifications]
        assert any("not the files waiting" in m for m in said), said
        assert panel.attached  # still waiting, nothing lost


async def test_e_exports_after_a_tab_is_picked(demo: DemoGateway, tmp_path: Path) -> None:
    """1-4 focus that answer's transcript, whose chat keys (e edit, f fork, r regenerate)
    then took e: 'An answer cannot be edited…' instead of the export, and the footer offered
    Edit & resend, Fork here and Regenerate on the compare screen."""
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await compare(pilot, app, MODELS[:2], "Explain generators")
        await wait_for(pilot, lambda: ended(screen))
        await pilot.press("2")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        await pilot.press("e")
        await pilot.pause()
        said = [n.message for n in app._notifications]
    exports = list((Path.home() / ".local/share/tokendeck/exports").glob("*.md"))
    assert len(exports) == 1, said
    assert not any("cannot be edited" in m for m in said), said
    assert "Export" in footer and "Edit" not in footer and "Fork" not in footer, footer
