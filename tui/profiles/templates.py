"""Chat templates and model aliases from config.toml: named presets ([templates.NAME]: system
prompt, model, parameters, a prompt prefix) and short names for models ([aliases] mini =
"gpt-4o-mini"), read and checked with the file's line numbers.

    [aliases]
    mini = "gpt-4o-mini"

    [templates.review]
    system = "You are a careful code reviewer."
    model = "mini"            # an alias or a model id
    temperature = 0.2
    prefix = "Review this diff:"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..base.i18n import N_, _

# key: (types accepted, description used in messages)
_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "system": ((str,), N_("a string")),
    "model": ((str,), N_("a model id or alias")),
    "temperature": ((int, float), N_("a number from 0 to 2")),
    "top_p": ((int, float), N_("a number from 0 to 1")),
    "max_tokens": ((int,), N_("a whole number")),
    "stop": ((str, list), N_("a string or a list of strings")),
    "prefix": ((str,), N_("a string")),
    "description": ((str,), N_("a string")),
}


@dataclass(frozen=True, slots=True)
class Template:
    """A named preset for a chat: what it sets (None / empty: the profile's own value)."""

    name: str
    system: str | None = None
    model: str | None = None  # as written: an alias or a model id
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    prefix: str = ""  # put before the prompt
    description: str = ""

    def summary(self) -> str:
        """One line for pickers: the description, else what the template sets."""
        if self.description:
            return self.description
        parts = [self.model] if self.model else []
        if self.temperature is not None:
            parts.append(f"temperature {self.temperature:g}")
        if self.system:
            parts.append(_("system prompt"))
        if self.prefix:
            parts.append(_("prompt prefix"))
        return " · ".join(parts)


Fail = Callable[[str, str, str], Exception]  # (section, key, problem) -> the error to raise


def parse_aliases(table: Any, fail: Fail) -> dict[str, str]:
    """[aliases]: name = model id, both non-empty strings."""
    if not isinstance(table, dict):
        raise fail("", "aliases", _("must be a table ([aliases]) of name = model id"))
    aliases: dict[str, str] = {}
    for name, target in table.items():
        if not isinstance(target, str) or not target.strip():
            raise fail("aliases", str(name), _("must be a model id (a non-empty string)"))
        aliases[str(name)] = target.strip()
    return aliases


def parse_templates(table: Any, fail: Fail) -> dict[str, Template]:
    """[templates.NAME] tables, each checked key by key (unknown keys are kept, unused)."""
    if not isinstance(table, dict):
        raise fail("", "templates", _("must be a table of [templates.NAME] tables"))
    found: dict[str, Template] = {}
    for name, t in table.items():
        section = f"templates.{name}"
        if not isinstance(t, dict):
            raise fail("templates", str(name), _("must be a table ([templates.{name}])").format(
                name=name))  # fmt: skip
        for key, value in t.items():
            if key not in _KEYS:
                continue
            types, wanted = _KEYS[key]
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                problem = _("must be {wanted}, not {got}")
                raise fail(section, key, problem.format(wanted=_(wanted), got=type(value).__name__))
        temperature, top_p, max_tokens = t.get("temperature"), t.get("top_p"), t.get("max_tokens")
        if temperature is not None and not 0 <= temperature <= 2:
            raise fail(section, "temperature", _("must be from 0 to 2"))
        if top_p is not None and not 0 <= top_p <= 1:
            raise fail(section, "top_p", _("must be from 0 to 1"))
        if max_tokens is not None and max_tokens <= 0:
            raise fail(section, "max_tokens", _("must be a positive whole number"))
        stop = t.get("stop", ())
        found[str(name)] = Template(
            name=str(name),
            system=t.get("system"),
            model=(t.get("model") or "").strip() or None,
            temperature=float(temperature) if temperature is not None else None,
            top_p=float(top_p) if top_p is not None else None,
            max_tokens=max_tokens,
            stop=(stop,) if isinstance(stop, str) else tuple(str(s) for s in stop),
            prefix=t.get("prefix") or "",
            description=t.get("description") or "",
        )
    return found


def resolve_model(name: str, aliases: Mapping[str, str]) -> str:
    """The model id `name` stands for: an alias's model, else `name` itself."""
    return aliases.get(name.strip(), name.strip())


def unknown_template(name: str, templates: Mapping[str, Template], path: Path) -> str:
    """The sentence for a -t NAME that the config does not define."""
    known = ", ".join(sorted(templates)) or _("none")
    return _("no template named '{name}' in {path} (templates: {known})").format(
        name=name, path=path, known=known
    )
