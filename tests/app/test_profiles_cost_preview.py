"""The cost preview under the chat input: what the next request sends (the context so far plus
the prompt), at the credits per token the usage log shows for this model, updated as you type and
hidden when there is nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import Static

from tests.helpers import make_app, wait_for
from tui.base.textfmt import number
from tui.chat.context import message_tokens
from tui.demo import DemoGateway
from tui.store import credits_per_token
from tui.ui.widgets.chat.preview import CostPreview


async def test_the_preview_follows_the_prompt(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one("#chat-panel")
        preview = app.screen.query_one(CostPreview)
        await wait_for(pilot, lambda: panel.conversation is not None)  # type: ignore[attr-defined]
        assert not preview.display or not preview.has_class("-shown")
        await pilot.press(*"first question", "enter")
        conversation = panel.conversation  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: len(conversation.turns) == 2 and not panel.streaming)  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()  # the usage log is synced after the answer
        answer = conversation.turns[-1]
        assert answer.usage is not None
        prompt = "and now a much longer follow-up question " * 3
        await pilot.press(*prompt)
        await wait_for(pilot, lambda: "credits" in str(preview.render()))
        model = conversation.settings.model
        db = app.history.db
        assert db is not None
        rate = credits_per_token(db, "demo", model)
        assert rate is not None
        # what the next request sends (tui.chat.context): the question, the answer and the prompt
        tokens = sum(map(message_tokens, ["first question", answer.content, prompt]))
        text = str(preview.render())
        assert f"≈ {number(tokens)} tokens" in text
        expected = (rate * tokens).quantize(Decimal("0.000001"))
        shown = Decimal(text.rsplit("≈ ", 1)[1].split()[0].replace(",", ""))
        assert abs(shown - expected) <= Decimal("0.5") + expected / 100
        await pilot.press(*" more")
        await wait_for(pilot, lambda: f"≈ {number(tokens)} tokens" not in str(preview.render()))
        grown = str(preview.render())
        assert (
            f"≈ {number(tokens + 1)} tokens" in grown or f"≈ {number(tokens + 2)} tokens" in grown
        )
        prompt_area = app.screen.query_one("#prompt")
        prompt_area.clear()  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: not preview.has_class("-shown"))
        assert isinstance(preview, Static)


async def test_the_last_answers_request_id_on_demand(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one("#chat-panel")
        await wait_for(pilot, lambda: panel.conversation is not None)  # type: ignore[attr-defined]
        await pilot.press(*"hello", "enter")
        conversation = panel.conversation  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: len(conversation.turns) == 2 and not panel.streaming)  # type: ignore[attr-defined]
        await pilot.press("ctrl+p")
        await pilot.press(*"request id")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.clipboard != "")
        assert app.clipboard == conversation.turns[-1].request_id == demo.logs[0]["reqid"]
