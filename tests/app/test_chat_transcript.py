"""The line-API transcript: reading older messages on the way up, keys on messages, reasoning
apart, and huge answers kept whole in the store and on screen."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_app, screen_text, wait_for
from tui.demo import DemoGateway, Fault
from tui.demo.answers import big_line_piece, big_pieces
from tui.store import add_message, create_conversation, messages, open_db
from tui.store.records import StoredSettings
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.blocks import CHUNK
from tui.ui.widgets.chat.prompt import PromptInput
from tui.ui.widgets.chat.transcript import Transcript


def chat(app: object) -> ChatPanel:
    return app.screen.query_one(ChatPanel)  # type: ignore[attr-defined,no-any-return]


def transcript(app: object) -> Transcript:
    return app.screen.query_one(Transcript)  # type: ignore[attr-defined,no-any-return]


async def answered(pilot: object, app: object, text: str, limit: float = 30) -> None:
    panel = chat(app)
    await wait_for(pilot, lambda: panel.conversation is not None)  # type: ignore[arg-type]
    before = len(panel.conversation.turns)  # type: ignore[union-attr]
    await pilot.press(*text, "enter")  # type: ignore[attr-defined]
    await wait_for(
        pilot,  # type: ignore[arg-type]
        lambda: len(panel.conversation.turns) == before + 2 and not panel.streaming,  # type: ignore[union-attr]
        limit=limit,
    )


def stored_conversation(count: int) -> int:
    db = open_db()
    cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    for i in range(count):
        add_message(db, cid, "user" if i % 2 == 0 else "assistant", f"message number {i}")
    db.close()
    return cid


async def test_scrolling_to_the_top_reads_every_message_in_order(
    demo: DemoGateway, tmp_path: Path
) -> None:
    cid = stored_conversation(400)
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        assert chat(app).conversation.id == cid
        assert len(transcript(app).items) < 100  # only the tail was read
        assert "message number 399" in screen_text(app)
        await pilot.press("shift+tab")  # the transcript, last message selected
        assert app.focused is transcript(app)
        await pilot.press("home")
        await wait_for(pilot, lambda: not transcript(app).has_older)
        await pilot.pause()
        contents = [item.turn.content for item in transcript(app).items]
        assert contents == [f"message number {i}" for i in range(400)]
        assert [t.content for t in chat(app).conversation.turns] == contents
        shown = screen_text(app)
        assert "message number 0" in shown and "message number 399" not in shown
        await pilot.press("end")
        await pilot.pause()
        assert "message number 399" in screen_text(app)


async def test_moving_up_from_the_first_read_message_reads_older_ones(
    demo: DemoGateway, tmp_path: Path
) -> None:
    stored_conversation(100)
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        first = transcript(app).items[0].turn.content
        await pilot.press("shift+tab", *["up"] * (len(transcript(app).items) - 1))
        assert transcript(app).selected.turn.content == first  # type: ignore[union-attr]
        await pilot.press("up")
        selected = transcript(app).selected
        assert selected is not None and selected.turn.content != first
        number = int(first.rsplit(" ", 1)[1])
        assert selected.turn.content == f"message number {number - 1}"
        assert f"message number {number - 1}" in screen_text(app)


async def test_keys_act_on_the_selected_message(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await answered(pilot, app, "what is a generator")
        answer = chat(app).conversation.turns[-1]
        await pilot.press("shift+tab")
        assert transcript(app).selected.turn is answer  # type: ignore[union-attr]
        await pilot.press("c")
        assert any(
            f"Copied the message ({len(answer.content)} characters)" in str(n.message)
            for n in app._notifications
        )
        await pilot.press("e")  # editing is for your own messages: nothing happens
        assert chat(app).editing is None
        await pilot.press("k")  # up, vi style
        question = transcript(app).selected
        assert question is not None and question.turn.role == "user"
        await pilot.press("e")
        assert chat(app).editing is question.turn
        assert app.focused is app.screen.query_one(PromptInput)
        await pilot.press("escape")
        assert chat(app).editing is None
        await pilot.press("shift+tab", "down")  # below the last message: back to the input
        assert app.focused is app.screen.query_one(PromptInput)


async def test_clicking_a_message_selects_it(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await answered(pilot, app, "first words")
        view = transcript(app)
        view.scroll_home(animate=False)
        await pilot.pause()
        await pilot.click(Transcript, offset=(5, 1))  # the first line: the question's text
        assert app.focused is view
        assert view.selected is not None and view.selected.turn.content == "first words"


async def test_reasoning_is_shown_apart_and_folds(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        app.model = "deepseek-reasoner"
        await answered(pilot, app, "think first")
        answer = chat(app).conversation.turns[-1]
        assert answer.reasoning and answer.reasoning not in answer.content
        await pilot.press("shift+tab", "up", "down")  # the answer, scrolled to its top
        await pilot.pause()
        shown = screen_text(app)
        assert "▶ Reasoning" in shown  # folded once the answer began
        assert answer.reasoning[:30] not in shown
        await pilot.press("t")
        await pilot.pause()
        shown = screen_text(app)
        assert "▼ Reasoning" in shown
        words = answer.reasoning.split()[:4]
        assert " ".join(words) in shown.replace("▎", " ").replace("\n", " ") or all(
            w in shown for w in words
        )


async def test_a_one_megabyte_line_is_laid_out_in_pieces_and_shown(
    demo: DemoGateway, tmp_path: Path
) -> None:
    line = ("lorem ipsum dolor sit amet " * 40_000)[: 1 << 20] + " THE-END"
    db = open_db()
    cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    add_message(db, cid, "user", "one long line please")
    add_message(db, cid, "assistant", line)
    db.close()
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        item = transcript(app).items[-1]
        assert item.source == line == item.turn.content
        assert max(len(part.text) for part in item.blocks) <= 3 * CHUNK  # laid out in pieces
        assert sum(p.strips is not None for p in item.blocks) < 10  # only what is in view
        await pilot.pause()
        assert "THE-END" in screen_text(app)
        await pilot.press(*"still typing")
        assert app.screen.query_one(PromptInput).text == "still typing"
        await pilot.press("shift+tab", "up", "down")  # the answer from its top
        await pilot.pause()
        assert "lorem ipsum dolor" in screen_text(app)


async def test_a_streamed_one_megabyte_line_is_kept_whole_and_typing_goes_on(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("big_line"))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await answered(pilot, app, "one line please", limit=120)
        answer = chat(app).conversation.turns[-1]
        assert answer.content == big_line_piece() and answer.status.value == "done"
        assert transcript(app).items[-1].source == answer.content
        await pilot.press(*"next")
        assert app.screen.query_one(PromptInput).text == "next"


async def test_a_five_megabyte_answer_is_kept_whole_and_its_end_shown(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("big"))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await answered(pilot, app, "a lot please", limit=600)  # 65,536 pieces
        answer = chat(app).conversation.turns[-1]
        assert answer.content == "".join(big_pieces())  # about 5 MB
        item = transcript(app).items[-1]
        assert item.source == answer.content
        await pilot.pause()
        await wait_for(pilot, lambda: "065535 the quick brown" in screen_text(app))  # the end
        cid = chat(app).conversation.id
    db = open_db()
    stored = messages(db, cid)[-1]  # type: ignore[arg-type]
    db.close()
    assert stored.content == answer.content
