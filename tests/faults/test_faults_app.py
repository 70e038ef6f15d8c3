"""The fault matrix in the app: sent by keys, the text kept, the sentence shown, the message
marked (cut / failed / finish reason / stopped), never raw JSON or HTML on screen; Esc stops
stalls, keep-alive-only streams and drips; failures offer Ctrl+R with a rate-limit countdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from tests.faults.cases import (
    CANCEL_ONLY,
    CASES,
    MODEL,
    PROMPT,
    TIME_CASES,
    Case,
    Expect,
    one,
    split_pieces,
)
from tests.faults.conftest import ChatSeen, chat_requests, record_latency
from tests.helpers import FIXED_NOW, screen_text, wait_for
from tui.base.clock import FrozenClock
from tui.chat.conversation import Status
from tui.demo import DemoGateway
from tui.gateway import ContentDelta, Timeouts
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck
from tui.ui.widgets.chat import ChatPanel

RAW_ON_SCREEN = ('{"', '"error"', "<html", "<body", "error_des", "chat.completion")
STATUS_WORDS = {Status.CUT: "cut off", Status.FAILED: "failed", Status.STOPPED: "stopped by you"}


class ManualClock(FrozenClock):
    """A frozen clock whose monotonic time moves only when the test says so."""

    def advance(self, seconds: float) -> None:
        self._ticks += seconds


def fault_app(demo: DemoGateway, tmp: Path, timeouts: Timeouts | None = None) -> TokenDeck:
    profile = replace(demo_profile(), default_model=MODEL)
    spec = spec_for(profile, demo.url)
    if timeouts is not None:
        spec = replace(spec, timeouts=timeouts)
    config = Config(path=tmp / "config.toml", data={"cursor_blink": False})
    return TokenDeck(
        config=config, profile=profile, spec=spec, demo=True, clock=ManualClock(FIXED_NOW)
    )


def chat(app: TokenDeck) -> ChatPanel:
    return app.screen.query_one(ChatPanel)


def offer_text(app: TokenDeck) -> str:
    offer = app.screen.query_one("#retry-offer", Static)
    return str(offer.render()) if offer.has_class("-shown") else ""


def record_notices(app: TokenDeck) -> list[str]:
    """Every notification the app shows, kept after its toast times out."""
    said: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        said.append(f"{kwargs.get('title', '')}: {message}")
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return said


async def ask(pilot: Any, app: TokenDeck) -> None:
    panel = chat(app)
    await wait_for(pilot, lambda: panel.conversation is not None)
    await pilot.press(*PROMPT, "enter")
    await wait_for(
        pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming, limit=90
    )
    await pilot.pause()


async def retry_by_hand(pilot: Any, app: TokenDeck) -> ChatPanel:
    """Press Ctrl+R and wait for the new answer to be done."""
    await pilot.press("ctrl+r")
    panel = chat(app)
    await wait_for(
        pilot, lambda: panel.conversation.turns[-1].status is Status.DONE and not panel.streaming
    )
    return panel


@pytest.mark.parametrize(
    ("case", "expect"), [pytest.param(c, c.stream, id=c.id) for c in CASES if c.stream]
)
async def test_app(case: Case, expect: Expect, demo: DemoGateway, tmp_path: Path) -> None:
    for fault in case.faults():
        demo.add_fault(fault)
    app = fault_app(demo, tmp_path, case.timeouts)
    said = record_notices(app)
    async with app.run_test(size=(160, 40)) as pilot:
        await ask(pilot, app)
        turn = chat(app).conversation.turns[-1]
        assert turn.content == case.text(expect)
        assert turn.status is expect.status, turn.error
        assert turn.finish_reason == expect.finish
        shown = screen_text(app)
        for words in expect.says:
            assert any(words in line for line in said) or words in shown, (words, said)
        if turn.status in STATUS_WORDS:
            assert STATUS_WORDS[turn.status] in shown
        if expect.finish not in (None, "stop"):
            assert f"ended early: {expect.finish}" in shown
        for mark in RAW_ON_SCREEN:
            assert mark not in shown, f"raw gateway output on screen: {mark!r}"
        failed = turn.status in (Status.CUT, Status.FAILED)
        hopeless = "Out of credits" in (turn.error or "")
        assert bool(offer_text(app)) == (failed and not hopeless)
        if case.answer == "markup":
            assert app.is_running  # [@click=app.quit] did not quit
            assert "[bold red]" in shown and "@click=app.quit" in shown and "␛[31m" in shown
            assert "\x1b" not in shown
        assert chat_requests(demo) == expect.requests  # never retried once an answer began


def _first_content_spy(app: TokenDeck) -> asyncio.Event:
    """An event set when the first answer text reaches the chat (the real stream, observed)."""
    first = asyncio.Event()
    gateway = app.gateway
    original = gateway.stream_chat

    async def spied(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        async with aclosing(original(*args, **kwargs)) as events:
            async for event in events:
                if isinstance(event, ContentDelta):
                    first.set()
                yield event

    gateway.stream_chat = spied  # type: ignore[method-assign]
    return first


class FinishEvent(asyncio.Event):
    at = 0.0  # monotonic time it was set


def _finish_event(panel: ChatPanel) -> FinishEvent:
    """An event set when the panel has ended an answer (after the stream was closed)."""
    event = FinishEvent()
    original = panel._finished

    def finished(*args: Any) -> None:
        event.at = time.monotonic()
        event.set()
        original(*args)

    panel._finished = finished  # type: ignore[method-assign]
    return event


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in TIME_CASES])
async def test_escape_stops_at_once(case: Case, demo: DemoGateway, tmp_path: Path) -> None:
    """Esc ends a stall, a keep-alive-only stream or a drip: partial text kept, marked stopped."""
    seen = ChatSeen(demo)
    for fault in case.faults():
        demo.add_fault(fault)
    app = fault_app(demo, tmp_path, CANCEL_ONLY)
    async with app.run_test(size=(160, 40)) as pilot:
        first = _first_content_spy(app)
        panel = chat(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*PROMPT, "enter")
        dripping = case.id == "slow_drip"
        await wait_for(pilot, first.is_set if dripping else seen.event.is_set, limit=60)
        assert panel.streaming
        finished = _finish_event(panel)
        started = time.monotonic()
        await pilot.press("escape")
        await asyncio.wait_for(finished.wait(), 60)  # the answer ended: stream closed, saved
        record_latency("app", f"stream-{case.id}", finished.at - started)
        assert not panel.streaming
        await pilot.pause()
        turn = panel.conversation.turns[-1]
        assert turn.status is Status.STOPPED
        assert turn.content == (split_pieces(case.text(Expect()))[0] if dripping else "")
        assert "stopped by you" in screen_text(app)
        assert offer_text(app) == ""


async def test_rate_limit_counts_down_on_the_app_clock_then_retry_by_hand(
    demo: DemoGateway, tmp_path: Path
) -> None:
    for fault in one("status", status=429, headers={"retry-after": "45"})():
        demo.add_fault(fault)
    app = fault_app(demo, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ask(pilot, app)
        clock = app.clock
        assert isinstance(clock, ManualClock)
        offer = app.screen.query_one("#retry-offer")
        assert "retry possible in 45 s" in offer_text(app)
        clock.advance(44.2)
        offer.tick()  # what the one-second timer does
        assert "retry possible in 1 s" in offer_text(app)
        clock.advance(1)
        offer.tick()
        assert "press Ctrl+R to retry" in offer_text(app)
        assert offer._timer is None  # the countdown is over
        assert chat_requests(demo) == 1
        await retry_by_hand(pilot, app)
        assert offer_text(app) == ""
        assert chat_requests(demo) == 2


async def test_a_cut_answer_is_offered_for_retry_never_retried_alone(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(one("reset", after=3)()[0])
    app = fault_app(demo, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ask(pilot, app)
        assert "Answer cut off — press Ctrl+R to retry" in offer_text(app)
        assert chat_requests(demo) == 1
        panel = await retry_by_hand(pilot, app)
        assert chat_requests(demo) == 2 and offer_text(app) == ""
        assert len(panel.conversation.turns) == 2  # the retry replaced the cut answer
