"""Translation catalogs for developers (needs Babel: `pip install -e '.[test]'`).

    python scripts/i18n.py update    # extract tui/ -> tokendeck.pot, merge into every .po,
                                     # compile the .mo files, list what still needs a translation
    python scripts/i18n.py compile   # .po -> .mo (after translating), then check
    python scripts/i18n.py check     # what CI checks; exit 1 listing every problem
    python scripts/i18n.py extract   # only write tui/locale/tokendeck.pot

New strings arrive in tui/locale/zh_CN/LC_MESSAGES/tokendeck.po with an empty msgstr; changed
ones come back marked `#, fuzzy` with the old translation as a hint. Strings no longer in the
code are kept at the end as `#~` lines (and come back translated if the code uses them again). Translate them, delete
the fuzzy flag, run `compile`. The English catalog is filled in by `update` (msgstr = msgid).
The compiled .mo files are committed so that `pip install .` needs no Babel; a test checks
they match the .po files.
"""

from __future__ import annotations

import copy
import gettext
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tui"
LOCALE_DIR = SOURCE / "locale"
DOMAIN = "tokendeck"
POT = LOCALE_DIR / f"{DOMAIN}.pot"
LANGUAGES = ("en", "zh_CN")
VERSION = "0.1"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
MAPPING = ROOT / "babel.cfg"  # which files, which extractor; the demo gateway is left out
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[#0\- +]*\d*(?:\.\d+)?[a-z]|%[sdrfi]")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract() -> Catalog:
    """Every msgid `_`, `N_` and `ngettext` mark in tui/, with where it comes from."""
    catalog = Catalog(project="tokendeck", version=VERSION, domain=DOMAIN, charset="utf-8")
    with MAPPING.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(MAPPING))
    found = extract_from_dir(
        str(SOURCE),
        method_map=method_map,
        options_map=options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        callback=None,
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        location = (f"tui/{filename}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as fh:
        return read_po(fh, locale=language, domain=DOMAIN)


def write(catalog: Catalog, path: Path, **options: bool) -> None:
    """Write `catalog` as a .po/.pot, unless only its header dates would change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, **options)  # steadier diffs
    new = buffer.getvalue()
    if not path.exists() or _undated(path.read_bytes()) != _undated(new):
        path.write_bytes(new)


def _undated(po: bytes) -> bytes:
    return re.sub(rb'^"(POT-Creation|PO-Revision)-Date: .*\n', b"", po, flags=re.M)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update() -> None:
    template = extract()
    write(template, POT, omit_header=False)
    for language in LANGUAGES:
        path = po_path(language)
        if path.exists():
            catalog = read(language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="tokendeck", header_comment=(
                f"# {language} messages of tokendeck (scripts/i18n.py keeps this file in step)."
            ))
        for message in list(catalog.obsolete.values()):
            catalog[message.id] = message  # a string gone for a while keeps its translation
        catalog.obsolete.clear()
        catalog.update(copy.deepcopy(template), update_header_comment=False)
        catalog.fuzzy = False
        catalog.version = VERSION
        catalog.msgid_bugs_address = ""
        catalog.last_translator = "tokendeck"
        catalog.language_team = "tokendeck"
        if language == "en":
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        write(catalog, path)  # strings no longer in tui/ stay at the end, as #~ lines
    compile_all()


def compile_all() -> None:
    for language in LANGUAGES:
        mo_path(language).write_bytes(compiled(read(language)))


def _texts(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(language: str) -> list[str]:
    """Why the `language` catalog does not cover tui/ yet (empty when it does)."""
    if not po_path(language).exists():
        return [f"{po_path(language).relative_to(ROOT)}: missing"]
    catalog = read(language)
    found: list[str] = []
    for wanted in extract():
        if not wanted.id:
            continue
        key = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
        have: Message | None = catalog.get(key)
        where = ", ".join(f"{f}:{n}" for f, n in wanted.locations)
        if have is None:
            found.append(f"missing: {key!r} ({where})")
            continue
        strings = [s for s in _texts(have.string) if s]
        if have.fuzzy or not strings or len(strings) < len(_texts(have.string)):
            found.append(f"untranslated{' (fuzzy)' if have.fuzzy else ''}: {key!r} ({where})")
            continue
        ids = _texts(wanted.id)
        for string in strings:
            # a plural's translations may each use the singular's or the plural's fields
            if all(placeholders(string) != placeholders(i) for i in ids):
                found.append(
                    f"placeholders differ: {key!r} has {placeholders(ids[-1])}, "
                    f"translation {string!r} has {placeholders(string)} ({where})"
                )
    mo = mo_path(language)
    if not mo.exists():
        found.append(f"{mo.relative_to(ROOT)}: missing: compile")
    elif _entries(mo.read_bytes()) != _entries(compiled(catalog)):
        found.append(f"{mo.relative_to(ROOT)} does not match the .po: compile")
    return found


def _entries(mo: bytes) -> dict[object, str]:
    """What a .mo translates, as gettext reads it (not its bytes: Babel versions differ)."""
    translations = gettext.GNUTranslations(io.BytesIO(mo))
    entries: dict[object, str] = translations._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in entries.items() if k != ""}  # the header has a date


def check() -> int:
    failed = 0
    for language in LANGUAGES:
        for problem in problems(language):
            print(f"{language}: {problem}")
            failed += 1
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "update"
    if command == "extract":
        write(extract(), POT, omit_header=False)
        return 0
    if command == "update":
        update()
        return check()
    if command == "compile":
        compile_all()
        return check()
    if command == "check":
        return check()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
