"""The one translation function for every user-facing string (stdlib gettext)."""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "tokendeck"
LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("en", "zh_CN")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def detect_language(environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """The supported language the environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for value in env.get(var, "").split(":"):
            code = value.split(".")[0].split("@")[0]
            if code.lower().startswith("zh"):
                return "zh_CN"
            if code and code not in ("C", "POSIX"):
                return "en"
    return "en"


def set_language(language: str | None) -> str:
    """Switch every later `_()` call to `language` (None: follow the environment)."""
    global _translation, _language
    code = language or detect_language()
    if code.lower().replace("-", "_").startswith("zh"):
        code = "zh_CN"
    elif code not in SUPPORTED:
        code = "en"
    _language = code
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True
    )
    return code


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate `message` into the current language; use str.format for values."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it yet (module-level constants)."""
    return message
