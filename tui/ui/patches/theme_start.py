"""Contract: the theme chosen before the first style-sheet parse, without Textual's theme watcher.

Private members: `App._refresh_truecolor_filter` (and the watcher's other steps, re-done here in
`App._watch_theme`'s order: the `-theme-*`, `-dark-mode`/`-light-mode` classes, the CSS
variables). Pinned: textual 8.2.8. Setting `App.theme` runs the watcher, which queues a refresh
that parses every style sheet once more just before the first frame (~10 ms at start).
Fails when upstream changes: tests/app/test_start.py (a light theme from the config drawn from
the first frame) and tests/unit/test_patches.py (the symbols).
"""

from __future__ import annotations

from typing import Any

from textual.app import App

SYMBOLS = ("textual.app.App._refresh_truecolor_filter", "textual.app.App._watch_theme")
PINNED = {"textual": "8.2.8"}
TESTS = (
    "tests/app/test_start.py::test_a_light_theme_from_the_config_is_drawn_from_the_first_frame",
)


def start_theme(app: App[Any], name: str) -> None:
    """Make `name` the app's theme before anything is parsed: the watcher's work, done here."""
    app.set_reactive(App.theme, name)
    theme = app.current_theme
    classes = {c: False for c in app.classes if c.startswith("-theme-")}
    classes.update({f"-theme-{theme.name}": True, "-dark-mode": theme.dark,
                    "-light-mode": not theme.dark})  # fmt: skip
    app.update_classes(classes, update=False)
    app._refresh_truecolor_filter(app.ansi_theme)
    app.stylesheet.set_variables(app.get_css_variables())
