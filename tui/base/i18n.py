"""The one translation function for every user-facing string (stdlib gettext).

Catalogs live in tui/locale/<lang>/LC_MESSAGES/tokendeck.mo, compiled from the .po files
beside them by `python scripts/i18n.py compile`. msgids are English, so English also works
without its catalog. This module never imports Textual: the gateway and the CLI use it too.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable, Mapping
from pathlib import Path

DOMAIN = "tokendeck"
LOCALE_DIR = Path(__file__).parent.parent / "locale"  # tui/locale
SUPPORTED = ("en", "zh_CN")
# Each language's own name, as the language switch offers it.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_msgids: dict[str, str] = {}  # translated text -> msgid, for texts translated at import time
_listeners: list[Callable[[str], None]] = []


def normalize(code: str | None) -> str | None:
    """The supported language `code` names ("zh-CN", "zh_CN.UTF-8", "zh" -> "zh_CN"), or None."""
    if not code:
        return None
    base = code.split(".")[0].split("@")[0].replace("-", "_")
    if base.lower().startswith("zh"):
        return "zh_CN"
    if base.lower() == "en" or base.lower().startswith("en_"):
        return "en"
    return None


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """The supported language the environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).

    As in gettext, the first of these that is set decides; LANGUAGE may list several
    languages separated by colons, and the first supported one wins."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        for item in value.split(":"):
            found = normalize(item)
            if found:
                return found
        if var != "LANGUAGE":
            return "en"  # C, POSIX, or a language we have no catalog for
    return "en"


def set_language(language: str | None) -> str:
    """Switch every later `_()` call to `language` (None: follow the environment)."""
    global _translation, _language
    code = normalize(language) or (detect_language() if not language else "en")
    _language = code
    # English is the msgids themselves (its catalog maps each to itself, plurals n != 1 as
    # NullTranslations does): not reading that 80 KB catalog saves ~3 ms of every start
    _translation = (
        gettext.NullTranslations()
        if code == "en"
        else gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True)
    )
    for listener in _listeners:
        listener(code)
    return code


def on_language_change(listener: Callable[[str], None]) -> None:
    """Call `listener(code)` after every `set_language` (texts kept outside `_()` calls)."""
    _listeners.append(listener)


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate `message` into the current language; use str.format for values."""
    text = _translation.gettext(message)
    if text != message:
        _msgids[text] = message
    return text


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it yet (module-level constants,
    binding descriptions): translate it with `_()` where it is shown."""
    return message


def shown(message: str) -> str:
    """A msgid kept untranslated (a binding description, a tooltip) as it is shown now: the
    footer and the help screen translate at paint time, so a language switch needs no more than
    a repaint. Empty stays empty (`_("")` would be the catalog's header)."""
    return _(message) if message else message


def translated_anything() -> bool:
    """Whether `_()` ever gave a text other than its msgid in this process."""
    return bool(_msgids)


def msgid_of(text: str) -> str:
    """The msgid `_()` last turned into `text` (text `_()` never produced is its own msgid).

    Several msgids may share one translation: prefer a record of the msgid itself."""
    return _msgids.get(text, text)


def retranslate(text: str) -> str:
    """`text`, once translated by `_()` in some language, in the current language.

    For texts that were translated before the language changed (a binding description
    evaluated at import time); text `_()` never produced is treated as a msgid."""
    return _(msgid_of(text))
