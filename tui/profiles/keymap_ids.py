"""The binding ids a [keymap] may name, read from the app's sources as text (the CLI's `config
show` checks a keymap without importing Textual); tests/unit/test_keymap_ids.py checks that
they are the ids of the app's bindings."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_ID = re.compile(r'\bid="([a-z_]+\.[a-z_0-9]+)"')
_FORMATTED = re.compile(r'\bid=f"([a-z_]+\.[a-z_0-9]*)\{')  # id=f"usage.view_{name}": a prefix


@cache
def binding_ids() -> tuple[frozenset[str], tuple[str, ...]]:
    """(the ids written out, the prefixes of ids made with an f-string) in tui/ui."""
    ids: set[str] = set()
    prefixes: set[str] = set()
    for path in (Path(__file__).resolve().parents[1] / "ui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "Binding(" not in text:
            continue
        ids.update(_ID.findall(text))
        prefixes.update(_FORMATTED.findall(text))
    return frozenset(ids), tuple(sorted(prefixes))


def unknown_binding_ids(names: list[str]) -> list[str]:
    """The names in `names` that are no binding id of the app, sorted."""
    ids, prefixes = binding_ids()
    return sorted(n for n in names if n not in ids and not n.startswith(prefixes))
