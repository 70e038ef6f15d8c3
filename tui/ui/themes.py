"""Themes as data: `themes/*.toml` parsed into Textual themes, each checked, none fatal."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..base.i18n import _

# Our own CSS variables; every theme gets these defaults, a theme file may override them.
VARIABLE_DEFAULTS = {
    "low-balance": "#E5484D",
    "estimate": "#9AA5B1",
    "reasoning": "#8E7DBE",
}
_COLOURS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


@dataclass(frozen=True, slots=True)
class ThemeProblem:
    """A theme file that was skipped, and why."""

    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path.name}: {self.problem}"


def theme_dirs() -> list[Path]:
    """Where theme files live: inside the installed package, or the source tree's themes/."""
    package = Path(__file__).resolve().parent.parent  # tui/
    return [d for d in (package / "_themes", package.parent / "themes") if d.is_dir()]


def load_theme(path: Path) -> Theme:
    """A Theme from one TOML file; ValueError with a readable problem otherwise."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(_("cannot be read: {error}").format(error=exc)) from None
    name = data.get("name") or path.stem
    if not isinstance(name, str) or not data.get("primary"):
        raise ValueError(_("needs at least `primary` (a colour)"))
    colours: dict[str, Any] = {}
    for key in _COLOURS:
        if key in data:
            value = data[key]
            try:
                Color.parse(value)
            except (ColorParseError, TypeError, ValueError):
                raise ValueError(
                    _("{key} = {value!r} is not a colour").format(key=key, value=value)
                ) from None
            colours[key] = value
    variables = {
        **VARIABLE_DEFAULTS,
        **{str(k): str(v) for k, v in (data.get("variables") or {}).items()},
    }
    return Theme(name=name, dark=bool(data.get("dark", True)), variables=variables, **colours)


def load_themes(dirs: Iterable[Path] | None = None) -> tuple[list[Theme], list[ThemeProblem]]:
    themes: list[Theme] = []
    problems: list[ThemeProblem] = []
    seen: set[str] = set()
    for folder in theme_dirs() if dirs is None else dirs:
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme(path)
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            if theme.name not in seen:
                seen.add(theme.name)
                themes.append(theme)
    return themes, problems
