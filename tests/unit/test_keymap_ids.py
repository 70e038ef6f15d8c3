"""The binding ids a [keymap] may name (tui/profiles/keymap_ids.py) are the bindings of tui/ui."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding

import tui.ui
from tui.profiles.keymap_ids import BINDING_IDS


def test_the_known_binding_ids_are_the_apps() -> None:
    found = set()
    for module in pkgutil.walk_packages(tui.ui.__path__, "tui.ui."):
        for _name, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            for binding in getattr(cls, "BINDINGS", None) or []:
                if isinstance(binding, Binding) and binding.id:
                    found.add(binding.id)
    missing, stale = found - BINDING_IDS, BINDING_IDS - found
    assert not missing and not stale, (
        f"update tui/profiles/keymap_ids.py: add {sorted(missing)}, drop {sorted(stale)}"
    )
