"""Every private member of Textual, Rich or httpx2 tokendeck relies on is listed in one place
(tui/ui/patches/, and tui/gateway/httpx2_sse.py) and still exists in the installed versions; an
upgrade of any of them fails here first, naming the contracts to check again."""

from __future__ import annotations

import ast
import inspect
from importlib import import_module
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ui.patches import MODULES
from tui.ui.patches.rich_markdown import SET, markdown_class
from tui.ui.patches.screen_css import LaterStylesFirst

ROOT = Path(__file__).resolve().parents[2]


def _resolve(symbol: str) -> Any:
    """The object a dotted name stands for; an attribute set in __init__ counts as present."""
    parts = symbol.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for i, name in enumerate(parts[cut:]):
            if hasattr(found, name):
                found = getattr(found, name)
            elif inspect.isclass(found) and i == len(parts[cut:]) - 1:
                init = inspect.getsource(found.__init__)
                assert f"self.{name} " in init or f"self.{name}:" in init, symbol
                return init
            else:
                raise AttributeError(symbol)
        return found
    raise ImportError(symbol)


@pytest.mark.parametrize("name", MODULES)
def test_each_contract_names_its_symbols_versions_and_tests(name: str) -> None:
    module: ModuleType = import_module(name)
    said = " ".join((module.__doc__ or "").split())
    assert "Pinned" in said and "Fails when upstream changes" in said
    for symbol in module.SYMBOLS:
        _resolve(symbol)  # raises when upstream renamed or removed it
    for package, pinned in module.PINNED.items():
        assert version(package) == pinned, (
            f"{package} {version(package)} is installed; {name} was written against {pinned}: "
            "check its symbols and run its tests, then update PINNED"
        )
    for test in module.TESTS:
        assert (ROOT / test.split("::")[0]).is_file(), test


def test_every_private_import_of_textual_or_rich_is_in_a_patch() -> None:
    """`textual._x` / `rich._x` modules are imported only by the contracts listed."""
    allowed = {ROOT / (m.replace(".", "/") + ".py") for m in MODULES}
    found = []
    for path in sorted((ROOT / "tui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])  # fmt: skip
            for name in names:
                top, _, rest = name.partition(".")
                if top in ("textual", "rich", "httpx2") and rest.startswith("_"):
                    found.append(path)
    assert set(found) <= allowed, sorted(str(p) for p in set(found) - allowed)


def test_the_wrappers_patterns_are_the_ones_replaced() -> None:
    """cjk_wrap stands in for these two patterns; different ones upstream need a new look."""
    import rich._wrap
    import textual._wrap

    from tui.ui.patches import cjk_wrap

    cjk_wrap.install()
    assert textual._wrap.re_chunk._own.pattern == r"\S+\s*|\s+"  # type: ignore[attr-defined]
    assert rich._wrap.re_word._own.pattern == r"\s*\S+\s*"  # type: ignore[attr-defined]


def test_rich_markdown_sets_what_rich_reads() -> None:
    from rich.markdown import Markdown

    source = inspect.getsource(Markdown.__init__)
    assigned = {n.attr for n in ast.walk(ast.parse(inspect.cleandoc("\n" + source)))
                if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)}  # fmt: skip
    assert assigned == set(SET)
    made = markdown_class()("*hi*", "monokai")
    assert {name: hasattr(made, name) for name in SET} == dict.fromkeys(SET, True)


class _Dialog(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static("dialog")


class _App(LaterStylesFirst):
    def __init__(self) -> None:
        super().__init__()
        self.loaded = 0

    def load_styles(self) -> None:
        self.loaded += 1


async def test_a_screen_pushed_before_the_later_styles_has_them() -> None:
    app = _App()
    async with app.run_test() as pilot:
        before = app.loaded
        await app.push_screen(_Dialog())
        await pilot.pause()
        assert app.loaded > before  # Textual called _load_screen_css for the pushed screen


def test_the_app_is_built_on_the_patches() -> None:
    from tui.ui.app import TokenDeck
    from tui.ui.screens.main import MainScreen

    assert issubclass(TokenDeck, LaterStylesFirst) and issubclass(TokenDeck, App)
    assert "update_node_styles" not in MainScreen.__dict__  # it lives in first_restyle


LANGUAGE_CHILD = """
import json, sys
from tui.base.i18n import set_language, shown
set_language("zh_CN")  # the panels are imported after the language is chosen, as in the app
from textual.dom import DOMNode
from tui.ui.app import TokenDeck
from tui.ui.widgets.usage import UsagePanel
from tui.ui.widgets.balance import BalancePanel
descriptions = sorted({b.description for cls in (TokenDeck, UsagePanel, BalancePanel)
                       for bs in cls._merged_bindings.key_to_bindings.values() for b in bs
                       if b.description})
print(json.dumps({
    "hook": DOMNode.__dict__["__init_subclass__"].__func__.__module__,
    "descriptions": descriptions,
    "shown": shown("Sync"),
}))
"""


def test_bindings_stay_msgids_and_are_translated_where_painted() -> None:
    """No class patching for the language: descriptions are msgids, translated by `shown`."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", LANGUAGE_CHILD], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["hook"] == "textual.dom"  # DOMNode.__init_subclass__ is Textual's own
    assert "Sync" in report["descriptions"] and "Refresh" in report["descriptions"]
    assert all(text.isascii() for text in report["descriptions"]), report["descriptions"]
    assert report["shown"] == "同步"
