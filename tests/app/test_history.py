"""Conversations outlive the app: restart, search, edit and fork by keys, drafts, bad databases."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import OptionList

from tests.helpers import make_app, wait_for
from tui.base.paths import data_dir
from tui.chat.conversation import Status
from tui.demo import DemoGateway
from tui.store import add_message, create_conversation, list_conversations, messages, open_db
from tui.store.records import StoredSettings
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.transcript import Transcript


def chat(app: object) -> ChatPanel:
    return app.screen.query_one(ChatPanel)  # type: ignore[attr-defined,no-any-return]


def transcript(app: object) -> Transcript:
    return app.screen.query_one(Transcript)  # type: ignore[attr-defined,no-any-return]


def selected_role(app: object) -> str | None:
    item = transcript(app).selected
    return item.turn.role if item is not None and app.focused is transcript(app) else None  # type: ignore[attr-defined]


async def ask(pilot: object, app: object, text: str) -> None:
    panel = chat(app)
    before = len(panel.conversation.turns) if panel.conversation else 0
    await pilot.press(*text, "enter")  # type: ignore[attr-defined]
    await wait_for(
        pilot,
        lambda: (
            len(panel.conversation.turns) == before + 2  # type: ignore[arg-type]
            and not panel.streaming
        ),
    )


async def test_restart_shows_the_conversation_again(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "first question")
        answer = chat(app).conversation.turns[-1].content
    again = make_app(demo, tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot,
            lambda: (
                chat(again).conversation is not None and len(chat(again).conversation.turns) == 2
            ),
        )
        turns = chat(again).conversation.turns
        assert [t.role for t in turns] == ["user", "assistant"]
        assert turns[0].content == "first question"
        assert turns[1].content == answer
        assert turns[1].usage is not None
        assert len(transcript(again).items) == 2
        options = again.screen.query_one("#conversation-options", OptionList)
        await wait_for(pilot, lambda: options.option_count == 1)
        assert "first question" in str(options.get_option_at_index(0).prompt)


async def test_draft_survives_a_restart(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press(*"half a thought")
    again = make_app(demo, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(again).conversation is not None)
        assert chat(again).query_one("#prompt").text == "half a thought"


async def test_search_finds_a_month_old_chat_and_opens_it(
    demo: DemoGateway, tmp_path: Path
) -> None:
    db = open_db()
    db.clock = lambda: time.time() - 31 * 86400
    old = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    add_message(db, old, "user", "How do I descale a kettle?")
    target = add_message(db, old, "assistant", "Use citric acid, then rinse twice.")
    db.clock = time.time
    newer = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    add_message(db, newer, "user", "unrelated newer chat")
    db.close()
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        assert chat(app).conversation.id == newer  # the most recent one opens first
        await pilot.press("ctrl+f", *"citric")
        results = app.screen.query_one("#search-results", OptionList)
        await wait_for(pilot, lambda: results.option_count == 1)
        assert "«citric»" not in str(results.get_option_at_index(0).prompt)  # marked, not shown
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).conversation.id == old)
        await wait_for(pilot, lambda: app.focused is transcript(app))
        assert transcript(app).selected.turn.id == target  # type: ignore[union-attr]


async def test_edit_an_earlier_message_makes_a_fork(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "tea or coffee")
        original = chat(app).conversation.id
        await pilot.press("shift+tab")  # the last message (the answer)
        assert selected_role(app) == "assistant"
        await pilot.press("up")  # the question
        assert selected_role(app) == "user"
        await pilot.press("e")
        prompt = chat(app).query_one("#prompt")
        assert prompt.text == "tea or coffee"
        await pilot.press("ctrl+a", "ctrl+k", *"tea or cocoa", "enter")
        await wait_for(
            pilot,
            lambda: (
                chat(app).conversation.id != original
                and not chat(app).streaming
                and len(chat(app).conversation.turns) == 2
            ),
        )
        branch = chat(app).conversation
        assert branch.turns[0].content == "tea or cocoa"
        assert branch.turns[1].status is Status.DONE
    db = open_db()
    assert len(list_conversations(db)) == 2
    kept = messages(db, original)
    assert [m.content for m in kept][0] == "tea or coffee"
    db.close()


async def test_fork_from_an_answer_by_keys(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "one")
        await ask(pilot, app, "two")
        original = chat(app).conversation.id
        await pilot.press("shift+tab", "up", "up")  # the first answer
        assert selected_role(app) == "assistant"
        await pilot.press("f")
        await wait_for(pilot, lambda: chat(app).conversation.id != original)
        assert [t.role for t in chat(app).conversation.turns] == ["user", "assistant"]


async def test_long_conversation_mounts_only_its_tail(demo: DemoGateway, tmp_path: Path) -> None:
    db = open_db()
    cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    for i in range(300):
        add_message(db, cid, "user" if i % 2 == 0 else "assistant", f"message number {i}")
    db.close()
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot, lambda: chat(app).conversation is not None and chat(app).conversation.id == cid
        )
        items = transcript(app).items
        assert 0 < len(items) < 100
        assert items[-1].turn.content == "message number 299"
        shown = len(items)
        transcript(app).scroll_home(animate=False)
        await wait_for(pilot, lambda: len(transcript(app).items) > shown)


async def test_corrupt_database_is_reported_and_left_alone(
    demo: DemoGateway, tmp_path: Path
) -> None:
    path = data_dir() / "tokendeck.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        assert any("History" in str(n.title) for n in app._notifications)
        await ask(pilot, app, "still works")
        assert chat(app).conversation.turns[-1].status is Status.DONE
        assert "history off" in str(chat(app).query_one("#chat-settings").render())
    assert path.read_bytes() == garbage


async def test_escape_leaves_the_conversation_list_for_the_prompt(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # narrow: the list is shown on demand
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press("ctrl+l")
        options = app.screen.query_one("#conversation-options", OptionList)
        await wait_for(pilot, lambda: app.focused is options)
        await pilot.press("escape")
        prompt = chat(app).query_one("#prompt")
        assert app.focused is prompt and not options.parent.has_class("-shown")  # type: ignore[union-attr]
        await pilot.press(*"typed after the list")
        assert prompt.text == "typed after the list"  # type: ignore[attr-defined]
