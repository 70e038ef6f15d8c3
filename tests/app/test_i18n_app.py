"""The app in Simplified Chinese: every panel, the footer and palette, and switching the
language from the command palette without a restart (the chat and its draft are kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import PANEL_SCENES, make_app, screen_text, wait_for
from tui.base.i18n import current_language, set_language
from tui.base.textfmt import cell_len
from tui.demo import DemoGateway

PANEL_WORDS = {
    "chat": ["对话 (F2)", "发送", "搜索"],
    "models": ["模型", "所有者", "上下文"],
    "usage": ["用量 (F4)"],
    "balance": ["剩余积分", "余额格式"],
}


async def test_each_panel_speaks_chinese(demo: DemoGateway, tmp_path: Path) -> None:
    set_language("zh_CN")
    for panel, scene in PANEL_SCENES.items():
        app = make_app(demo, tmp_path / panel)
        async with app.run_test(size=(80, 24)) as pilot:
            await scene(pilot)
            text = screen_text(app)
            for words in ["余额", "积分", "命令", *PANEL_WORDS[panel]]:
                assert words in text, f"{panel}: {words!r} not on screen:\n{text}"
            for english in ("Balance (F5)", "palette", "credits", "Send"):
                assert english not in text, f"{panel}: {english!r} still English:\n{text}"
            assert all(cell_len(line) <= 80 for line in text.splitlines())


async def test_switching_language_from_the_palette_keeps_the_chat_and_draft(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await PANEL_SCENES["chat"](pilot)
        chat: Any = app.screen.query_one("#chat-panel")
        conversation = chat.conversation
        await pilot.press(*"half a thought")
        assert "Send" in screen_text(app)

        await pilot.press("ctrl+p")
        await pilot.press(*"language")
        await wait_for(pilot, lambda: "简体中文" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "发送" in screen_text(app))
        await app.workers.wait_for_complete()
        await pilot.pause()

        chat = app.screen.query_one("#chat-panel")
        await wait_for(pilot, lambda: chat.conversation is conversation)
        assert chat.query_one("#prompt").text == "half a thought"
        text = screen_text(app)
        assert "对话 (F2)" in text and "Chat (F2)" not in text
        assert "Explain generators" in text  # the conversation on screen is the same
        assert current_language() == "zh_CN"
        assert 'language = "zh_CN"' in app.config.path.read_text()

        await pilot.press("f1")  # help lists binding descriptions: translated too
        # Textual's own too (listed after tokendeck's keys, below the fold at 80x24)
        await wait_for(pilot, lambda: any("光标下移" in row[1] for row in app.screen.rows))
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.press(*"yuyan")  # nothing matches: the palette says so in Chinese
        await wait_for(pilot, lambda: "没有匹配的命令" in screen_text(app))
        assert "No match" not in screen_text(app)
        await pilot.press(*["backspace"] * 5, *"English")
        await wait_for(pilot, lambda: "English" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Send" in screen_text(app))
        assert current_language() == "en"


async def test_no_switch_while_an_answer_streams(demo: DemoGateway, tmp_path: Path) -> None:
    from tui.ui.langswitch import switch_language

    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        chat: Any = app.screen.query_one("#chat-panel")
        chat.streaming = True
        assert not await switch_language(app, "zh_CN")
        assert current_language() == "en"
        chat.streaming = False
        assert await switch_language(app, "zh_CN")
        await pilot.pause()
        await wait_for(pilot, lambda: "发送" in screen_text(app))


async def test_chinese_wraps_between_characters(demo: DemoGateway, tmp_path: Path) -> None:
    """A paragraph mixing Latin and Chinese fills its lines (no half-empty line before a
    long run of Chinese, as whitespace-only wrapping leaves)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    make_app(demo, tmp_path)  # installs the CJK line breaking
    paragraph = "面向 OpenAI 兼容网关的对话、模型、用量日志和余额工具。目前还没有配置。"

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(paragraph)

    app = One()
    async with app.run_test(size=(30, 6)) as pilot:
        await pilot.pause()
        lines = [line.rstrip() for line in screen_text(app).splitlines() if line.strip()]
        assert lines[0] == "面向 OpenAI 兼容网关的对话、模"
        assert all(cell_len(line) >= 28 for line in lines[:-1]), lines
        assert not any(line.startswith(("、", "。", "，")) for line in lines)


async def test_status_line_cuts_a_long_chinese_model_name_by_cells(
    demo: DemoGateway, tmp_path: Path
) -> None:
    set_language("zh_CN")
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        app.model = "通义千问-max-latest-超长的模型名称-2025"
        await pilot.pause()
        status = screen_text(app).splitlines()[0]
        assert "通义千问-max" in status and "…" in status and "2025" not in status
        assert "余额 141," in status  # the balance keeps its place
        assert cell_len(status) <= 80


async def test_the_first_start_welcome_and_key_form_are_chinese(
    demo: DemoGateway, tmp_path: Path
) -> None:
    from tests.app.test_welcome import first_start

    set_language("zh_CN")
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#welcome-title")))
        await pilot.pause()
        text = screen_text(app)
        for words in ("欢迎使用 tokendeck", "体验演示 (Esc)", "添加我的网关 key"):
            assert words in text, text
        # the paragraph fills its lines: no half-empty line before a long run of Chinese
        assert "面向 OpenAI 兼容网关的对话、" in text, text
        await pilot.press("enter")
        await wait_for(pilot, lambda: "配置档案名称" in screen_text(app))
        assert "OpenAI 兼容，key 形如 sk-live-…" in screen_text(app)


def test_binding_descriptions_are_msgids_shown_in_the_current_language() -> None:
    from tui.base.i18n import shown
    from tui.ui.app import TokenDeck

    def descriptions() -> set[str]:
        merged = TokenDeck._merged_bindings
        assert merged is not None
        return {b.description for group in merged.key_to_bindings.values() for b in group}

    set_language("zh_CN")
    assert {"Help", "Quit"} <= descriptions()  # msgids: nothing of the class is rewritten
    assert {"帮助", "退出"} <= {shown(d) for d in descriptions()}  # as the footer paints them
    set_language("en")
    assert {"Help", "Quit"} <= {shown(d) for d in descriptions()}


def test_descriptions_sharing_one_translation_come_back_as_themselves() -> None:
    # "Range" (usage) and "Where" (help) are both 范围 in Chinese: back in English, the
    # usage panel's key must say Range again, not whichever msgid was translated last.
    from tui.base.i18n import _, shown
    from tui.ui.screens.help import HelpScreen  # noqa: F401  (its "Where" is in the catalog)
    from tui.ui.widgets.usage.panel import UsagePanel

    def description(key: str) -> str:
        merged = UsagePanel._merged_bindings
        assert merged is not None
        return shown(merged.key_to_bindings[key][0].description)

    set_language("zh_CN")
    assert description("t") == "范围"
    assert _("Where") == "范围"  # the help column's title, translated after the binding
    set_language("en")
    assert description("t") == "Range"
    set_language("zh_CN")
    set_language("en")
    assert description("t") == "Range"


async def test_the_profiles_dashboard_is_chinese(demo: DemoGateway, tmp_path: Path) -> None:
    set_language("zh_CN")
    app = make_app(demo, tmp_path, demo_url=demo.url)  # the dashboard reaches it too
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: f"{demo.balance:,} 积分" in screen_text(app))
        text = screen_text(app)
        assert "可用天数" in text and "credits" not in text
