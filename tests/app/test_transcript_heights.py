"""Heights the transcript guesses for messages not laid out yet count display cells: a Chinese
conversation's estimates stay close to the heights its messages take once laid out, so the
scrollbar does not jump and positions computed before layout hold."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_app, screen_text, wait_for
from tui.demo import DemoGateway
from tui.store import add_message, create_conversation, open_db
from tui.store.records import StoredSettings
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.message import MessageItem
from tui.ui.widgets.chat.transcript import Transcript

SENTENCES = [
    "面向 OpenAI 兼容网关的对话终端，余额、用量和模型一目了然。",
    "如果网关返回余额不足，请先充值再重试，已经收到的部分回答会保留。",
    "流式回答按段落排版，已完成的段落只排版一次，只有正在增长的末尾会重新排版。",
    "长对话打开时只读取最后几十条消息，向上滚动时再从数据库读取更早的消息。",
    "每个界面都能在八十列、二十四行的终端里正常显示中文。",
]


def question(i: int) -> str:
    return f"第 {i} 个问题：{SENTENCES[i % len(SENTENCES)]}这是怎么做到的？"


def answer(i: int) -> str:
    """Paragraphs several lines long, a list and a short code block, all in Chinese."""
    paragraph = "".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(4 + i % 5))
    items = "\n".join(f"- {SENTENCES[(i + k) % len(SENTENCES)]}" for k in range(3))
    code = "```python\n# 计算费用\nprice = tokens * 单价\n```"
    return f"{paragraph}\n\n{items}\n\n{code}\n\n{paragraph[: 40 + 7 * (i % 9)]}"


def chinese_conversation(count: int) -> int:
    db = open_db()
    cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    for i in range(count):
        text = question(i) if i % 2 == 0 else answer(i)
        add_message(db, cid, "user" if i % 2 == 0 else "assistant", text)
    db.close()
    return cid


async def test_chinese_messages_are_estimated_close_to_their_laid_out_height(
    demo: DemoGateway, tmp_path: Path
) -> None:
    chinese_conversation(40)
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        transcript = app.screen.query_one(Transcript)
        await pilot.press("shift+tab")
        await pilot.press("home")  # read every message, then lay each out on the way down
        await wait_for(pilot, lambda: not transcript.has_older)
        width = transcript._width
        estimated = [MessageItem(item.turn).height(width) for item in transcript.items]
        while transcript.scroll_y < transcript.max_scroll_y:
            await pilot.press("pagedown")
        await pilot.pause()
        items = transcript.items
        assert len(items) == 40
        assert all(p.strips is not None for item in items for p in item.parts())
        laid_out = [item.height(width) for item in items]
        assert max(laid_out) > 15  # answers many lines long, where a wrong guess shows
        for guess, height in zip(estimated, laid_out, strict=True):
            assert abs(guess - height) <= max(2, height // 8), (guess, height)
        assert abs(sum(estimated) - sum(laid_out)) <= sum(laid_out) // 20


async def test_jumping_to_a_found_chinese_message_shows_it_at_the_top(
    demo: DemoGateway, tmp_path: Path
) -> None:
    cid = chinese_conversation(300)
    marker = "独一无二的标记词：青花瓷茶壶"
    db = open_db()
    add_message(db, cid, "user", marker)
    for i in range(200):  # long Chinese messages after it, estimated until laid out
        add_message(db, cid, "assistant" if i % 2 == 0 else "user", "后面的消息" * (10 + i % 30))
    db.close()
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        transcript = app.screen.query_one(Transcript)
        await pilot.press("ctrl+f")
        await pilot.press(*"青花瓷")
        await wait_for(pilot, lambda: marker in screen_text(app))  # the hit in the results
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: transcript.selected is not None and transcript.selected.turn.content == marker,
        )
        await pilot.pause()
        assert transcript.visible_turns()[0].content == marker  # the first message in view
        lines = [line for line in screen_text(app).splitlines() if line.strip()]
        assert any(marker in line for line in lines[:8])
