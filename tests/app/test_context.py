"""What a chat request sends does not depend on scrolling: the stored turns not on screen are
read too, the oldest left out (and said) when the model cannot take them all; the cost preview
counts exactly what would be sent. Checked against what the demo gateway received."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_app, screen_text, wait_for
from tui.base.textfmt import number
from tui.chat.context import ANSWER_CAP, message_tokens
from tui.demo import DemoGateway
from tui.demo.catalog import MODEL_BY_ID
from tui.store import create_conversation, open_db
from tui.store.records import StoredSettings
from tui.store.transcript import insert_message
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.preview import CostPreview
from tui.ui.widgets.chat.transcript import Transcript

LONG = 5_000
TEXT = "Question {i}: how does this part of the system work, and why is it built that way?"


def stored(count: int, model: str) -> list[tuple[str, str]]:
    """A conversation of `count` messages (~24 tokens each) stored the way the app stores them;
    its (role, content) pairs."""
    db = open_db()
    cid = create_conversation(db, StoredSettings(model=model), "demo")
    pairs = [("user" if i % 2 == 0 else "assistant", TEXT.format(i=i)) for i in range(count)]
    with db.write() as conn:
        for role, text in pairs:
            insert_message(conn, cid, db.now(), role=role, content=text, status="done")
    db.close()
    return pairs


def chat(app: object) -> ChatPanel:
    return app.screen.query_one(ChatPanel)  # type: ignore[attr-defined,no-any-return]


def chats(demo: DemoGateway) -> int:
    return sum(1 for _m, path in demo.requests if path.endswith("/chat/completions"))


async def ask(pilot: object, app: object, demo: DemoGateway, keys: list[str]) -> None:
    """Press `keys` (ending in a send or a retry) and wait for the answer to the request."""
    panel, before = chat(app), chats(demo)
    await pilot.press(*keys)  # type: ignore[attr-defined]
    await wait_for(
        pilot,  # type: ignore[arg-type]
        lambda: (
            chats(demo) > before
            and not panel.streaming
            and panel.conversation is not None
            and panel.conversation.turns[-1].status != "streaming"
        ),
        limit=60,
    )


def sent(demo: DemoGateway) -> list[tuple[str, str]]:
    return list(demo.chat_requests[-1].messages)


async def test_a_long_conversation_sends_the_same_fresh_and_scrolled_cut_to_fit(
    demo: DemoGateway, tmp_path: Path
) -> None:
    pairs = stored(LONG, "deepseek-chat")  # ~120,000 tokens; deepseek-chat takes 65,536
    window = MODEL_BY_ID["deepseek-chat"].context_length
    assert window == 65_536
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = chat(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        conversation = panel.conversation
        assert conversation is not None and conversation.earlier > LONG - 100  # the tail only
        await ask(pilot, app, demo, [*"a new question", "enter"])
        fresh = sent(demo)
        answer = conversation.turns[-1]
        assert answer.status == "done" and answer.usage is not None  # no 400 from the gateway
        everything = [*pairs, ("user", "a new question")]
        kept = len(fresh)
        assert 100 < kept < len(everything) and fresh == everything[-kept:]
        estimate = sum(message_tokens(text) for _role, text in fresh)
        assert answer.usage.prompt_tokens == estimate <= window - ANSWER_CAP  # as counted there
        assert estimate + message_tokens(everything[-kept - 1][1]) > window - ANSWER_CAP
        note = (
            f"sent the last {number(kept)} of {number(LONG + 1)} messages "
            f"(deepseek-chat takes {number(window)} tokens)"
        )
        transcript = app.screen.query_one(Transcript)
        assert note in transcript.items[-1].meta
        assert "sent the last" in screen_text(app)  # on the answer, and said aloud once
        assert any(note in str(n.message) for n in app._notifications)

        await pilot.press("shift+tab", "home")  # every stored message read
        await wait_for(pilot, lambda: not transcript.has_older, limit=120)
        assert conversation.earlier == 0 and len(conversation.turns) == LONG + 2
        await ask(pilot, app, demo, ["ctrl+r"])  # the same answer again: the same request
        assert sent(demo) == fresh
        assert note in transcript.items[-1].meta


async def test_a_long_conversation_that_fits_is_sent_whole_from_a_fresh_open(
    demo: DemoGateway, tmp_path: Path
) -> None:
    pairs = stored(LONG, "gemini-1.5-flash")  # takes 1,000,000 tokens
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = chat(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        assert panel.conversation is not None and panel.conversation.earlier > 0
        await ask(pilot, app, demo, [*"and one more", "enter"])
        assert sent(demo) == [*pairs, ("user", "and one more")]
        assert "sent the last" not in app.screen.query_one(Transcript).items[-1].meta


async def test_the_preview_counts_what_is_sent(demo: DemoGateway, tmp_path: Path) -> None:
    stored(LONG, "deepseek-chat")
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = chat(app)
        preview = app.screen.query_one(CostPreview)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"what does the preview say")
        await wait_for(pilot, lambda: "next send" in str(preview.render()), limit=60)
        shown = str(preview.render())
        await ask(pilot, app, demo, ["enter"])
        request = sent(demo)
        estimate = sum(message_tokens(text) for _role, text in request)
        assert f"next send ≈ {number(estimate)} tokens" in shown
        assert f"({number(len(request))} of {number(LONG + 1)} messages)" in shown
        assert panel.conversation is not None
        usage = panel.conversation.turns[-1].usage
        assert usage is not None and usage.prompt_tokens == estimate  # what the gateway counted


async def test_an_edit_and_a_regenerated_earlier_answer_send_their_branch_by_the_same_rule(
    demo: DemoGateway, tmp_path: Path
) -> None:
    pairs = stored(LONG, "deepseek-chat")
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = chat(app)
        preview = app.screen.query_one(CostPreview)
        await wait_for(pilot, lambda: panel.conversation is not None)
        original = panel.conversation
        await pilot.press("shift+tab", "k", "e")  # edit "Question 4998"
        assert panel.editing is not None and panel.editing.content == pairs[-2][1]
        await pilot.press(*" (edited)")
        await wait_for(pilot, lambda: "next send" in str(preview.render()), limit=60)
        shown = str(preview.render())
        await ask(pilot, app, demo, ["enter"])
        assert panel.conversation is not original  # a new branch
        branch = [*pairs[:-2], ("user", pairs[-2][1] + " (edited)")]
        request = sent(demo)
        assert 100 < len(request) < len(branch) and request == branch[-len(request) :]
        estimate = sum(message_tokens(text) for _role, text in request)
        assert f"next send ≈ {number(estimate)} tokens" in shown

        await pilot.press("shift+tab", "k", "k", "r")  # the answer to "Question 4996"
        await wait_for(pilot, lambda: sent(demo)[-1] == pairs[-4], limit=60)
        request = sent(demo)
        assert len(request) > 100 and request == pairs[: LONG - 3][-len(request) :]
