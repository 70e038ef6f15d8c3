"""The binding ids a [keymap] may name (read from tui/ui's sources as text) are the ids of the
app's bindings: none missing, none made up."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding

import tui.ui
from tui.profiles.keymap_ids import binding_ids, unknown_binding_ids


def test_the_ids_read_from_the_sources_are_the_apps() -> None:
    found = set()
    for module in pkgutil.walk_packages(tui.ui.__path__, "tui.ui."):
        for _name, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            for binding in getattr(cls, "BINDINGS", None) or []:
                if isinstance(binding, Binding) and binding.id:
                    found.add(binding.id)
    assert unknown_binding_ids(sorted(found)) == []  # every id of the app is known
    written, prefixes = binding_ids()
    assert written <= found  # and nothing else is: no id read from a comment or a string
    assert prefixes == ("usage.view_",)
    assert {f"usage.view_{v}" for v in ("rows", "day", "week", "model", "balance")} <= found
    assert unknown_binding_ids(["chat.lsit", "chat.list", "usage.view_day"]) == ["chat.lsit"]
