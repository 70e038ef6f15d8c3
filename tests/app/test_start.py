"""The app's start path: what the first frame needs is there, and no more.

The theme is chosen before the first style-sheet parse (without Textual's theme watcher), so
a theme from the config must still be the one every widget is drawn with from the first frame.
"""

from __future__ import annotations

from pathlib import Path

from textual.color import Color

from tests.helpers import FIXED_NOW
from tui.app import TokenDeck
from tui.clock import FrozenClock
from tui.config import Config, demo_profile
from tui.demo import DemoGateway
from tui.runtime import spec_for


async def test_a_light_theme_from_the_config_is_drawn_from_the_first_frame(
    demo: DemoGateway, tmp_path: Path
) -> None:
    profile = demo_profile()
    config = Config(path=tmp_path / "config.toml", data={"theme": "tokendeck-light"})
    app = TokenDeck(config=config, profile=profile, spec=spec_for(profile, demo.url), demo=True,
                    clock=FrozenClock(FIXED_NOW))  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        theme = app.current_theme
        assert app.theme == "tokendeck-light" and not theme.dark
        assert app.has_class("-light-mode", "-theme-tokendeck-light")
        assert not app.has_class("-dark-mode", "-theme-textual-dark")
        assert app.screen.styles.background == Color.parse(theme.background or "")
        assert app.stylesheet._variables["primary"] == Color.parse(theme.primary).hex
