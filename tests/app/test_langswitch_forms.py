"""Switching the language while a form is open keeps what was typed, which part of the form
is shown and where the cursor is: the form is only told in another language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from tests.app.test_profiles import app_for, config_file, open_dashboard
from tests.app.test_welcome import first_start
from tests.helpers import DEMO_NOW, screen_text, wait_for
from tui.base.i18n import current_language
from tui.demo import DemoGateway
from tui.ui.screens.profiles_form import ProfileFormScreen


async def switch_to_chinese(pilot: Any, app: Any) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*"language")
    await wait_for(pilot, lambda: "简体中文" in screen_text(app))
    await pilot.press("enter")
    await wait_for(pilot, lambda: current_language() == "zh_CN")
    await pilot.pause()


async def test_the_welcome_form_keeps_what_was_typed(demo: DemoGateway, tmp_path: Path) -> None:
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#welcome-title")))
        await pilot.press("enter")  # Add my gateway key
        await wait_for(pilot, lambda: "Profile name" in screen_text(app))
        welcome = app.screen
        welcome.query_one("#preset", Select).value = "openai-hk"
        await pilot.pause()
        welcome.query_one("#name", Input).value = "work"
        base = welcome.query_one("#base-url", Input).value
        await pilot.press(*"hk-half-typed")

        await switch_to_chinese(pilot, app)
        await wait_for(pilot, lambda: "配置档案名称" in screen_text(app))
        assert app.screen is welcome
        assert welcome.query_one("#preset", Select).value == "openai-hk"
        assert welcome.query_one("#name", Input).value == "work"
        assert welcome.query_one("#base-url", Input).value == base != ""
        key = welcome.query_one("#key", Input)
        assert key.value == "hk-half-typed" and app.focused is key
        text = screen_text(app)
        assert "hk-half-typed" not in text  # still a hidden field
        assert "体验演示 (Esc)" not in text  # the form is shown, not the first choices
        assert not welcome.query_one(".welcome-choices").display
        assert welcome.query_one("#save").display

        await pilot.press(*"-rest")  # typing goes on where it stopped
        assert key.value == "hk-half-typed-rest"

        # the form knows its preset: choosing another one and back fills that one's address
        welcome.query_one("#preset", Select).value = "opencodex"
        await pilot.pause()
        assert welcome.query_one("#base-url", Input).value != base
        welcome.query_one("#preset", Select).value = "openai-hk"
        await pilot.pause()
        assert welcome.query_one("#base-url", Input).value == base


async def test_the_profile_form_keeps_what_was_typed(demo: DemoGateway, tmp_path: Path) -> None:
    with DemoGateway(now=DEMO_NOW, balance_dialect="deepseek") as deepseek:
        app = app_for(config_file(tmp_path, demo, deepseek))
        await edit_then_switch(app)


async def edit_then_switch(app: Any) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot, app)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        form = app.screen
        form.query_one("#name", Input).value = "mine"
        await pilot.press(*"sk-typed")

        await switch_to_chinese(pilot, app)
        await wait_for(pilot, lambda: "添加配置档案" in screen_text(app))
        assert app.screen is form
        assert form.query_one("#name", Input).value == "mine"
        assert form.query_one("#key", Input).value == "sk-typed"


def test_a_widget_class_made_after_the_switch_has_translated_keys() -> None:
    """Panels are imported when first shown, after the language was chosen; Textual's own
    binding descriptions they inherit are shown in that language too (the help screen lists
    them), translated where they are painted."""
    from textual.widgets import TextArea

    from tui.base.i18n import set_language, shown

    set_language("zh_CN")

    class LateArea(TextArea):
        pass

    merged = LateArea._merged_bindings
    assert merged is not None
    painted = {shown(b.description) for group in merged.key_to_bindings.values() for b in group}
    assert {"光标上移", "光标下移"} <= painted and "Cursor up" not in painted
