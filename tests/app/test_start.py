"""The app's start path: what the first frame needs is there, and no more.

The theme is chosen before the first style-sheet parse (without Textual's theme watcher), so
a theme from the config must still be the one every widget is drawn with from the first frame.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from textual.color import Color

from tests.helpers import ENV_DROP, FIXED_NOW
from tui.base.clock import FrozenClock
from tui.demo import DemoGateway
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck


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


# The app in a fresh interpreter, as `tokendeck` starts it (no config, no key: the demo
# gateway), headless; at its first frame (Textual's first Ready event) it reports what it has
# loaded and shows, then exits.
FIRST_FRAME = """
import json, sys
from textual.app import App

def ready(self, event):
    if getattr(sys, "_reported", False):
        return
    sys._reported = True
    import gc
    from tui.ui.patches import cjk_wrap as cjkwrap
    from tui.ui.widgets.chat.transcript import Transcript
    chat = self.screen.query_one("#chat-panel")
    report = {
        "modules": sorted(sys.modules),
        "styles": [path for path, _ in self.stylesheet.source],
        "cjk_compiled": cjkwrap.pattern.cache_info().currsize,
        "screen": type(self.screen).__name__,
        "hint": self.screen.query_one(Transcript).hint,
        "settings": str(chat.query_one("#chat-settings").render()),
        "demo_url_read": self._demo_url is not None,
        "widgets": sorted({type(w).__name__ for w in self.screen.walk_children()}),
        "painted": ["".join(s.text for s in line)
                    for line in self.screen._compositor.render_strips()],
    }

    def styles():
        return {
            f"{node!r} {id(node)}": repr((node._css_styles.get_rules(), node.rich_style, {
                name: c.get_rules() for name, c in node._component_styles.items()}))
            for node in self.screen.walk_children(with_self=True)
        }

    shown = styles()
    self.stylesheet.update_nodes(self.screen.walk_children(with_self=True), animate=False)
    report["restyled_differently"] = [k for k, v in styles().items() if shown.get(k) != v]

    def after():
        report["collector_on_after"] = gc.isenabled()
        print(json.dumps(report), file=sys.__stderr__, flush=True)
        self.exit()

    self.call_after_refresh(after)

run = App.run
App.run = lambda self, *a, **k: run(self, *a, **{**k, "headless": True, "size": (120, 40)})
App._on_ready = ready
from tui.cli import main
main([])
"""

DEFERRED = (
    "markdown_it",  # Markdown answers: parsed and laid out when the first one is shown
    "rich.markdown",
    "rich.syntax",
    "pygments",
    "sqlite3",  # the store: the latest conversation is read just after the first frame
    "tui.store",
    "tui.chat.history",
    "tui.ui.widgets.models",  # panels not shown yet
    "tui.ui.widgets.usage",
    "tui.ui.widgets.balance",
    "tui.ui.screens.welcome",  # pushed after the first frame
)


def test_the_first_frame_loads_only_what_it_shows(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ENV_DROP},
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, timeout=120,
        env=env, check=False,
    )  # fmt: skip
    report = json.loads(next(x for x in done.stderr.splitlines() if x.startswith("{")))
    loaded = set(report["modules"])
    assert report["screen"] == "MainScreen"
    assert report["hint"].startswith("Type a message")  # a new chat, as it will stay
    assert report["settings"].strip()  # its model and parameters
    early = {m for m in loaded for d in DEFERRED if m == d or m.startswith(d + ".")}
    assert not early
    # Style sheets: the first frame's only (the others come just after it).
    styles = {Path(p).name for p in report["styles"] if p.endswith(".tcss")}
    assert styles == {"app.tcss", "main.tcss", "status.tcss", "chat.tcss", "preview.tcss"}
    assert report["cjk_compiled"] == 0  # no wide character shown yet: no CJK pattern built
    # The first frame is the first screen, laid out for its size: the hint in lines as wide
    # as the transcript, the chat's title underlined; the (empty) conversation list comes
    # with the conversations, after the first frame.
    painted = report["painted"]
    assert any(
        line.rstrip().endswith("Ctrl+J inserts a newline, Esc stops an") for line in painted
    )
    assert "Chat (F2)  Models (F3)  Usage (F4)  Balance (F5)" in painted[1]
    assert painted[2].startswith("╸━━━━━━━━━╺━")  # under "Chat (F2)"
    assert "OptionList" not in report["widgets"]
    # Styled once as they were mounted (not again as the screen is first shown): as styled as
    # all of them styled afresh.
    assert report["restyled_differently"] == []
    # The cyclic garbage collector, paused while the app starts, runs again after it.
    assert report["collector_on_after"]
    # The demo gateway's child may still be starting: nothing before the first frame waits.
    assert not report["demo_url_read"]
