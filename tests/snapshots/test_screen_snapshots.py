"""SVG snapshots of the screens the panel snapshots do not show: the welcome (first start),
the profiles dashboard (F6: balance, today's spend, burn rate, days left) and the help (F1),
at 80x24 in English and Simplified Chinese (fixed demo data, frozen clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.helpers import DEMO_NOW, FIXED_NOW, make_app, wait_for
from tui.base.clock import FrozenClock
from tui.base.i18n import set_language
from tui.demo import DemoGateway
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck

LANGS = ["en", "zh_CN"]


@pytest.fixture
def fixed_demo() -> Iterator[DemoGateway]:
    with DemoGateway(now=DEMO_NOW, seed=7) as gateway:
        yield gateway


async def settled(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await wait_for(pilot, lambda: app.balance is not None)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def welcome(pilot: Pilot[Any]) -> None:
    from tui.ui.screens.welcome import WelcomeScreen

    await wait_for(pilot, lambda: isinstance(pilot.app.screen, WelcomeScreen))
    await settled(pilot)


async def profiles(pilot: Pilot[Any]) -> None:
    from tui.ui.screens.profiles import ProfilesScreen

    app: Any = pilot.app
    await settled(pilot)
    await pilot.press("f6")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
    screen = app.screen
    await wait_for(pilot, lambda: "demo" in screen.figures, limit=60)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def help_screen(pilot: Pilot[Any]) -> None:
    from tui.ui.screens.help import HelpScreen

    await settled(pilot)
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
    await pilot.pause()


def welcome_app(demo: DemoGateway, tmp: Path) -> TokenDeck:
    profile = demo_profile()
    config = Config(path=tmp / "config.toml", data={"cursor_blink": False})
    return TokenDeck(config=config, profile=profile, spec=spec_for(profile, demo.url), demo=True,
                     clock=FrozenClock(FIXED_NOW), welcome=True)  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_welcome(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path, lang: str
) -> None:
    set_language(lang)  # the conftest fixture sets English back afterwards
    app = welcome_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=welcome)


@pytest.mark.parametrize("lang", LANGS)
def test_profiles_dashboard(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path, lang: str
) -> None:
    set_language(lang)
    app = make_app(fixed_demo, tmp_path, demo_url=fixed_demo.url)  # F6 names the demo's URL
    assert snap_compare(app, terminal_size=(80, 24), run_before=profiles)


@pytest.mark.parametrize("lang", LANGS)
def test_help(
    snap_compare: Callable[..., bool], fixed_demo: DemoGateway, tmp_path: Path, lang: str
) -> None:
    set_language(lang)
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=help_screen)
