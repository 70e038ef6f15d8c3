"""The catalogs cover every string in tui/: CI fails listing what is missing, untranslated,
fuzzy, has other {placeholders}, or is not compiled into the shipped .mo."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


script = _script()


@pytest.mark.parametrize("language", script.LANGUAGES)
def test_every_string_is_in_the_catalog_translated_and_compiled(language: str) -> None:
    problems = script.problems(language)
    assert not problems, (
        f"{len(problems)} problems in the {language} catalog; run `python scripts/i18n.py "
        "update`, translate, then `python scripts/i18n.py compile`:\n" + "\n".join(problems)
    )


def test_extraction_finds_the_strings_of_every_layer() -> None:
    ids = {m.id for m in script.extract() if m.id}
    assert "Balance" in ids  # app and widgets
    assert "interrupted" in ids  # CLI
    assert any("rejected the API key" in str(i) for i in ids)  # gateway errors
    assert "usage: " in ids  # argparse's own texts
    assert not any("demo" in f for m in script.extract() for f, _n in m.locations)


def test_the_check_catches_a_missing_fuzzy_or_misplaced_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.pofile import read_po, write_po

    catalog = script.read("zh_CN")
    catalog["Balance"].string = ""
    catalog["Chatting with {model}."].string = "正在与 {name} 对话。"
    catalog["Models"].flags.add("fuzzy")
    del catalog["Usage"]
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "tokendeck.po"
    po.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    po.write_bytes(buffer.getvalue())
    monkeypatch.setattr(script, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(script, "ROOT", tmp_path)
    found = "\n".join(script.problems("zh_CN"))
    assert "untranslated: 'Balance'" in found
    assert "untranslated (fuzzy): 'Models'" in found
    assert "missing: 'Usage'" in found
    assert "placeholders differ: 'Chatting with {model}.'" in found
    assert "missing: compile" in found
    with po.open("rb") as fh:
        assert read_po(fh).get("Chat") is not None


def test_placeholders_are_compared_by_name_and_kind() -> None:
    assert script.placeholders("{where} said {said!r} in {seconds:.1f} s") == [
        "{said!r}",
        "{seconds:.1f}",
        "{where}",
    ]
    assert script.placeholders("%(prog)s: error: %(message)s\n") == ["%(message)s", "%(prog)s"]
    assert script.placeholders("unrecognized arguments: %s") == ["%s"]


def test_update_keeps_a_removed_string_and_revives_its_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.catalog import Catalog

    def template(*ids: str) -> Catalog:
        catalog = Catalog(domain="tokendeck")
        for msgid in ids:
            catalog.add(msgid, locations=[("tui/ui/app.py", 1)])
        return catalog

    monkeypatch.setattr(script, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(script, "POT", tmp_path / "tokendeck.pot")
    monkeypatch.setattr(script, "extract", lambda: template("Balance", "Models"))
    script.update()
    catalog = script.read("zh_CN")
    catalog["Balance"].string = "余额"
    catalog["Models"].string = "模型"
    script.write(catalog, script.po_path("zh_CN"))

    monkeypatch.setattr(script, "extract", lambda: template("Models"))  # "Balance" left
    script.update()
    assert script.read("zh_CN").get("Balance") is None
    assert "#~ msgid \"Balance\"" in script.po_path("zh_CN").read_text(encoding="utf-8")

    monkeypatch.setattr(script, "extract", lambda: template("Balance", "Models"))  # back
    script.update()
    back = script.read("zh_CN")["Balance"]
    assert back.string == "余额" and not back.fuzzy
    assert script.read("en")["Balance"].string == "Balance"
