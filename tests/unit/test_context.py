"""tui.chat.context: what a chat request sends — the newest turns that fit, by one rule."""

from __future__ import annotations

import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tui.chat.context import (
    ANSWER_CAP,
    ASSUMED_WINDOW,
    MESSAGE_TOKENS,
    Earlier,
    Limits,
    Reason,
    message_tokens,
    plan,
    text_tokens,
    texts_of,
    windows_for,
)
from tui.chat.conversation import Turn
from tui.demo import DemoGateway, Fault
from tui.gateway import Message


def test_token_guesses() -> None:
    assert text_tokens("") == 0 and text_tokens("abcd") == 1 and text_tokens("abcde") == 2
    assert text_tokens("你好世界") == 4
    assert text_tokens("你好 abcd") == 2 + 2  # two wide, five narrow
    assert message_tokens("abcd") == 1 + MESSAGE_TOKENS


@pytest.mark.parametrize(
    ("limits", "budget"),
    [
        (Limits(65_536), 65_536 - ANSWER_CAP),  # a quarter, capped
        (Limits(4_096), 4_096 - 1_024),  # a quarter of a small window
        (Limits(4_096, max_tokens=500), 3_596),  # the answer's own limit
        (Limits(65_536, cap_tokens=10_000), 10_000),
        (Limits(4_096, cap_tokens=10_000), 3_072),  # the window still rules
        (Limits(None), ASSUMED_WINDOW - ANSWER_CAP),
        (Limits(None, cap_tokens=300_000), 300_000),  # the profile knows the model better
        (Limits(1_000, max_tokens=2_000), 0),
    ],
)
def test_the_budget(limits: Limits, budget: int) -> None:
    assert limits.budget == budget


def texts(count: int, size: int = 40) -> list[Message]:
    return [Message("user" if i % 2 == 0 else "assistant", f"{i:04d}" + "x" * (size - 4))
            for i in range(count)]  # fmt: skip


def test_everything_fits_and_is_sent_in_order() -> None:
    sent = plan("be brief", texts(10), Limits(65_536))
    assert sent.messages == [Message("system", "be brief"), *texts(10)]
    assert sent.sent == sent.total == 10 and sent.dropped == 0 and sent.reason is None
    assert sent.tokens == message_tokens("be brief") + 10 * message_tokens("x" * 40)
    assert sent.note() == ""


def test_the_oldest_are_left_out_and_the_newest_kept() -> None:
    each = message_tokens("x" * 40)  # 14
    limits = Limits(4 * each + 4 * each // 3 + 1)  # budget: 4 messages and a bit
    sent = plan("", texts(10), limits, "tiny")
    assert limits.budget < 5 * each
    assert sent.messages == texts(10)[6:]
    assert (sent.sent, sent.total, sent.dropped, sent.reason) == (4, 10, 6, Reason.WINDOW)
    assert sent.tokens == 4 * each <= limits.budget
    assert sent.note() == "sent the last 4 of 10 messages (tiny takes 75 tokens)"


def test_the_system_prompt_counts_and_is_always_sent() -> None:
    each = message_tokens("x" * 40)
    system = "s" * 400  # 104 tokens
    limits = Limits(None, cap_tokens=message_tokens(system) + 2 * each)
    sent = plan(system, texts(10), limits)
    assert sent.messages[0] == Message("system", system) and sent.messages[1:] == texts(10)[8:]
    assert sent.reason == Reason.TOKENS
    assert "context_tokens = " in sent.note()


def test_the_newest_message_is_sent_even_alone_over_the_budget() -> None:
    sent = plan("", texts(3, size=4_000), Limits(None, cap_tokens=10))
    assert sent.messages == texts(3, size=4_000)[2:] and sent.sent == 1


def test_a_message_cap() -> None:
    sent = plan("", texts(10), Limits(65_536, cap_messages=3))
    assert sent.messages == texts(10)[7:] and sent.reason == Reason.MESSAGES
    assert "context_messages = 3" in sent.note()


def test_an_unknown_window_is_assumed_and_said() -> None:
    sent = plan("", texts(40, size=20_000), Limits(None), "mystery")
    assert sent.dropped and sent.reason == Reason.ASSUMED
    assert sent.tokens <= ASSUMED_WINDOW - ANSWER_CAP
    assert "128,000 tokens assumed for mystery" in sent.note()


def test_stored_turns_come_first_and_reasoning_is_never_sent() -> None:
    stored = Earlier([(0, "user", "a"), (1, "assistant", "b"), (2, "user", "c")], upto=5)
    loaded = [
        Turn("assistant", "d", reasoning="thinking", position=3),
        Turn("assistant", "", reasoning="only thoughts", position=4),
        Turn("user", "e", position=5),
    ]
    found = texts_of(loaded, stored).messages
    assert [m.content for m in found] == ["a", "b", "c", "d", "e"]
    # older turns read since: the stored ones before them only, never twice
    more = [Turn("user", "c", position=2), *loaded]
    assert [m.content for m in texts_of(more, stored).messages] == ["a", "b", "c", "d", "e"]
    assert [m.content for m in texts_of(loaded, None).messages] == ["d", "e"]
    assert texts_of(more, stored).tokens == [message_tokens(c) for c in "abcde"]
    loaded[0].content = "d" * 400  # a text counted again when it changes
    assert texts_of(loaded, None).tokens == [message_tokens("d" * 400), message_tokens("e")]


async def test_context_lengths_come_from_the_gateways_models_once(demo: DemoGateway) -> None:
    async with make_gateway(demo, sleep=RecordingSleep()) as gw:
        windows = windows_for(gw)
        assert windows_for(gw) is windows
        assert await windows.window(gw.models, "deepseek-chat") == 65_536
        assert await windows.window(gw.models, "gpt-4o") is None  # /models gives none
        assert await windows.window(gw.models, "no-such-model") is None
        assert sum(path.endswith("/models") for _m, path in demo.requests) == 1


async def test_a_failing_models_list_is_no_window_and_not_asked_each_time(
    demo: DemoGateway,
) -> None:
    demo.add_fault(Fault("status", endpoint="models", status=401, times=-1))
    async with make_gateway(demo, sleep=RecordingSleep()) as gw:
        windows = windows_for(gw)
        assert await windows.window(gw.models, "deepseek-chat") is None
        assert await windows.window(gw.models, "deepseek-chat") is None
        assert sum(path.endswith("/models") for _m, path in demo.requests) == 1
