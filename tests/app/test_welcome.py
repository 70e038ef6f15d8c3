"""The first five minutes: from no config to a streamed answer from one's own key, by keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from tests.helpers import FIXED_NOW, wait_for
from tui.base.clock import FrozenClock
from tui.demo import DEMO_HK_KEY, DEMO_KEY, DemoGateway
from tui.profiles.config import load
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.status import StatusBar


def first_start(demo: DemoGateway, tmp: Path) -> TokenDeck:
    config = load(tmp / "config.toml")
    config.data["cursor_blink"] = False
    profile = config.profile()
    return TokenDeck(
        config=config,
        profile=profile,
        spec=spec_for(profile, demo.url),
        demo=True,
        clock=FrozenClock(FIXED_NOW),
        welcome=True,
        demo_url=demo.url,
    )


def status(app: TokenDeck) -> str:
    return str(app.screen.query_one("#welcome-status", Static).render())


async def fill(pilot: object, app: TokenDeck, preset: str, base: str, key: str) -> None:
    screen = app.screen
    screen.query_one("#preset", Select).value = preset
    await pilot.pause()  # type: ignore[attr-defined]
    screen.query_one("#base-url", Input).value = base
    screen.query_one("#key", Input).value = key


async def test_explore_the_demo_keeps_the_demo_and_is_not_asked_again(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """The README's welcome is for the first start: "Explore the demo" is remembered (a config
    with `welcomed = true` and no profile), so the next start opens on the chat and takes the
    keys typed at once; OPENAI_API_KEY still makes the implicit profile (no profile saved)."""
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("escape")
        assert app.demo and app.profile.name == "demo"
    path = tmp_path / "config.toml"
    saved = load(path)
    assert saved.exists and saved.data.get("welcomed") is True and not saved.profiles
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved.profile(environ={}).demo
    assert saved.profile(environ={"OPENAI_API_KEY": "sk-env-key-1234"}).name == "env"
    saved.data["cursor_blink"] = False
    profile = saved.profile(environ={})
    again = TokenDeck(config=saved, profile=profile, spec=spec_for(profile, demo.url),
                      demo=True, clock=FrozenClock(FIXED_NOW), welcome=not saved.exists,
                      demo_url=demo.url)  # fmt: skip  (as `run` starts it)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"typed at once")
        panel = again.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.query_one("#prompt").text == "typed at once")
        assert not again.screen.query("#welcome-title")


async def test_add_a_key_checks_it_saves_it_and_chats(demo: DemoGateway, tmp_path: Path) -> None:
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("enter")  # "Add my gateway key" has focus
        await fill(pilot, app, "opencodex", demo.opencodex_base, "sk-live-not-a-real-key")
        await pilot.press("enter")  # in the key field: check and save
        await wait_for(pilot, lambda: "rejected this key" in status(app))
        assert not (tmp_path / "config.toml").exists()
        before = len(demo.requests)
        app.screen.query_one("#key", Input).value = DEMO_KEY
        app.screen.query_one("#key", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.screen.query("#welcome-title"))
        assert all("chat" not in path for _m, path in demo.requests[before:])
        path = tmp_path / "config.toml"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        saved = load(path)
        assert saved.default_profile == "opencodex"
        assert saved.profiles["opencodex"].base_url == demo.opencodex_base
        await wait_for(pilot, lambda: app.profile.name == "opencodex" and not app.demo)
        assert not app.screen.query_one(StatusBar).text("demo")
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"hello from my own key", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        assert panel.conversation.turns[-1].content


async def test_openai_hk_preset_gets_its_log_endpoint(demo: DemoGateway, tmp_path: Path) -> None:
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("enter")
        await fill(pilot, app, "openai-hk", demo.openai_hk_base, DEMO_HK_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.profile.name == "openai-hk")
        assert app.profile.logs_url == demo.logs_url
        await wait_for(pilot, lambda: app.balance is not None)
        assert app.balance.dialect == "openai-hk"


async def test_wrong_base_url_and_key_shape_are_explained(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("enter")
        await fill(pilot, app, "opencodex", demo.url + "/nowhere", DEMO_HK_KEY)
        await pilot.pause()
        warning = str(app.screen.query_one("#key-warning", Static).render())
        assert "openai-hk" in warning
        await pilot.press("enter")
        await wait_for(pilot, lambda: "base URL" in status(app))
        app.screen.query_one("#base-url", Input).value = "http://127.0.0.1:9/v1"
        app.screen.query_one("#key", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Cannot reach" in status(app))


@pytest.mark.parametrize(
    ("preset", "base", "key"),
    [
        ("opencodex", "opencodex_base", DEMO_KEY),
        ("openai-hk", "openai_hk_base", DEMO_HK_KEY),
        ("custom", "opencodex_base", DEMO_KEY),
    ],
)
async def test_each_preset_goes_from_first_start_to_a_streamed_answer(
    demo: DemoGateway, tmp_path: Path, preset: str, base: str, key: str
) -> None:
    # The demo gateway poses as each preset's gateway: only what the screens offer is used.
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("enter")
        await fill(pilot, app, preset, getattr(demo, base), key)
        if preset == "custom":  # no name to suggest: the form asks for one
            await pilot.press("enter")
            await wait_for(pilot, lambda: "Give the profile a name." in status(app))
            app.screen.query_one("#name", Input).value = "my-gateway"
            app.screen.query_one("#key", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.screen.query("#welcome-title"))
        await wait_for(pilot, lambda: not app.demo)
        assert stat.S_IMODE((tmp_path / "config.toml").stat().st_mode) == 0o600
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"hello", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        answer = panel.conversation.turns[-1]
        assert answer.content and answer.status.value == "done"
    saved = load(tmp_path / "config.toml")
    assert saved.profiles[saved.default_profile].base_url == getattr(demo, base)


async def test_tab_moves_between_the_welcome_choices(demo: DemoGateway, tmp_path: Path) -> None:
    """Tab from "Add my gateway key" goes to the other choice, and Enter takes it: the dialog
    is not a stop of its own (Tab gave it an invisible focus, and Enter did nothing)."""
    app = first_start(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await wait_for(pilot, lambda: getattr(app.focused, "id", None) == "add")
        await pilot.press("tab")
        assert getattr(app.focused, "id", None) == "explore"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.screen.query("#welcome-title"))
        assert app.demo and app.profile.name == "demo"
