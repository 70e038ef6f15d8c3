"""Language choice, translation at run time, CJK widths and locale formats; the CLI in Chinese."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.unit.test_cli import tokendeck
from tui.base import i18n
from tui.base.i18n import _, current_language, detect_language, retranslate, set_language
from tui.base.localefmt import day, full_date, money, recent_date
from tui.base.textfmt import cell_len, table, truncate, wrap
from tui.spend.money import Amount, credits_text, format_amount

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "language"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "zh_CN"),  # the only Chinese we have
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins over LANG
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "fr:zh_CN:en", "LANG": "en_US.UTF-8"}, "zh_CN"),  # first we support
        ({"LANGUAGE": "fr", "LANG": "zh_CN.UTF-8"}, "zh_CN"),  # none supported: go on
    ],
)
def test_the_environment_chooses_the_language(env: dict[str, str], language: str) -> None:
    assert detect_language(env) == language


def test_set_language_takes_config_codes_and_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set_language("zh-CN") == "zh_CN" and _("Balance") == "余额"
    assert set_language("zh_CN.UTF-8") == "zh_CN"
    assert set_language("klingon") == "en" and _("Balance") == "Balance"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert set_language(None) == "zh_CN" and current_language() == "zh_CN"


def test_a_text_translated_before_a_switch_follows_the_switch() -> None:
    set_language("zh_CN")
    shown = _("Copy answer")  # as a binding description evaluated at import time
    assert shown == "复制回答"
    set_language("en")
    assert retranslate(shown) == "Copy answer"
    set_language("zh_CN")
    assert retranslate("Copy answer") == "复制回答"
    assert retranslate("not in any catalog") == "not in any catalog"


def test_english_without_its_catalog_says_what_its_catalog_says() -> None:
    # set_language("en") reads no catalog (~3 ms of every start): the en catalog must stay
    # the msgids themselves, plurals included, for that to change nothing
    import gettext

    with (i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "tokendeck.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    plain = gettext.NullTranslations()
    keys = [k for k in catalog._catalog if k]  # type: ignore[attr-defined]
    assert len(keys) > 500
    for key in keys:
        if isinstance(key, tuple):  # (msgid, plural form): the plural's msgid is not kept
            continue
        assert plain.gettext(key) == catalog.gettext(key), key
    for key in {k[0] for k in keys if isinstance(k, tuple)}:
        plural = catalog._catalog[(key, 1)]  # type: ignore[attr-defined]
        for n in (0, 1, 2, 11):
            assert plain.ngettext(key, plural, n) == catalog.ngettext(key, plural, n), key
    set_language("en")
    assert _("Copy answer") == "Copy answer"
    assert i18n.ngettext("{count} msg", "{count} msgs", 2) == "{count} msgs"


def test_both_catalogs_ship_as_compiled_files() -> None:
    for language in ("en", "zh_CN"):
        assert (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "tokendeck.mo").is_file()


# ---- display cells ---------------------------------------------------------------------


def test_cell_widths_agree_with_what_textual_draws() -> None:
    from rich.cells import cell_len as rich_cell_len

    for text in ("abc", "中文模型", "e\u0301", "👍🏽", "ｶﾀｶﾅ", "余额：1,234 积分", "\u200b"):
        assert cell_len(text) == rich_cell_len(text)
    assert cell_len("通义千问-max") == 12


def test_truncate_counts_cells_and_never_splits_a_wide_character() -> None:
    assert truncate("通义千问-max-latest", 9) == "通义千问…"
    assert cell_len(truncate("通义千问-max-latest", 9)) == 9
    assert truncate("通义千问", 8) == "通义千问"
    assert truncate("通义千问", 6) == "通义…"  # 5 cells: a half character is not drawn
    assert truncate("abc", 0) == ""


def test_wrap_breaks_between_chinese_characters_but_not_inside_words() -> None:
    text = "按天、周或模型统计请求数、token 和积分（来自本地用量缓存）"
    lines = wrap(text, 20)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(line) <= 20 for line in lines)
    assert not any(line.startswith(("、", "）", "，")) for line in lines)
    assert not any(line.endswith("（") for line in lines)
    assert wrap("exit 11 when the balance is low", 12) == ["exit 11 when", "the balance", "is low"]


def test_tables_line_up_with_chinese_model_names_and_notes() -> None:
    rows = [
        ["通义千问-max", "12,000", "翻译任务"],
        ["gpt-4o", "350", "note"],
        ["深度求索-chat", "1,234,567", "很长很长很长的备注内容"],
    ]
    text = table(["模型", "积分", "备注"], rows, right=[False, True, False])
    lines = text.splitlines()
    header = ["模型", "积分", "备注"]

    def start(line: str, cell: str) -> int:
        return cell_len(line[: line.index(cell)])

    def end(line: str, cell: str) -> int:
        return start(line, cell) + cell_len(cell)

    table_rows = list(zip(lines, [header, *rows], strict=True))
    # left-aligned columns start in the same cell on every line, right-aligned ones end there
    assert {start(line, cells[2]) for line, cells in table_rows} == {26}
    assert {end(line, cells[1]) for line, cells in table_rows} == {24}
    assert lines[1] == "通义千问-max      12,000  翻译任务"


def test_a_narrow_table_truncates_chinese_cells_by_width() -> None:
    rows = [["深度求索-chat", "很长很长很长很长很长很长的备注内容"]]
    text = table(["模型", "备注"], rows, max_width=30)
    assert all(cell_len(line) <= 30 for line in text.splitlines())
    assert "…" in text


# ---- locale formats ----------------------------------------------------------------------


def test_dates_follow_the_language() -> None:
    when = date(2026, 11, 23)
    assert (day(when), full_date(when)) == ("Nov 23", "2026-11-23")
    set_language("zh_CN")
    assert (day(when), full_date(when)) == ("11月23日", "2026-11-23")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert recent_date(datetime(2026, 11, 23, tzinfo=UTC), now) == "11月23日"
    assert recent_date(datetime(2025, 11, 23, tzinfo=UTC), now) == "2025-11-23"


def test_money_shows_the_profiles_currency_symbol() -> None:
    assert format_amount(Amount(Decimal("1234.5"), "CNY")) == "¥1,234.50"
    assert format_amount(Amount(Decimal("-3"), "USD")) == "-$3.00"
    assert format_amount(Amount(Decimal("3"), "XYZ")) == "3.00 XYZ"
    set_language("zh_CN")
    assert money("1,234.50", "USD") == "US$1,234.50"
    assert credits_text(Decimal(12345), None) == "12,345 积分"
    from tui.spend.money import Rate

    assert credits_text(Decimal(12345), Rate(Decimal(100), "CNY")) == "12,345 积分（¥123.45）"


# ---- the CLI in Chinese --------------------------------------------------------------------


def _cli(*args: str, lang: str = "zh_CN.UTF-8") -> subprocess.CompletedProcess[str]:
    return tokendeck(*args, env={"LANG": lang, "COLUMNS": "80"})


def test_help_is_chinese_and_fits_80_columns() -> None:
    done = _cli("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("用法：tokendeck")
    for words in ("选项", "显示此帮助信息并退出", "列出网关的模型", "退出码"):
        assert words in done.stdout
    # headings end with the full-width colon, like "用法："
    assert "\n位置参数：\n" in done.stdout and "\n选项：\n" in done.stdout
    assert "位置参数:" not in done.stdout
    assert "\noptions:\n" in _cli("--help", lang="en_US.UTF-8").stdout
    assert all(cell_len(line) <= 80 for line in done.stdout.splitlines())
    done = _cli("logs", "--help")
    assert "示例：" in done.stdout and "只显示此模型" in done.stdout
    for command in ("logs", "config", "config init", "report", "chat"):
        lines = _cli(*command.split(), "--help").stdout.splitlines()
        assert all(cell_len(line) <= 80 for line in lines), command
        # the usage's continuation lines start under the first option, counted in cells
        first = cell_len(lines[0][: lines[0].index("[")])
        assert cell_len(lines[1]) - cell_len(lines[1].lstrip()) == first, command


def test_usage_errors_are_chinese() -> None:
    done = _cli("logs", "--format", "xml")
    assert done.returncode == 2
    assert "错误：参数 --format：无效的选择：'xml'" in done.stderr
    done = _cli("models", "--bogus")
    assert done.returncode == 2 and "无法识别的参数：--bogus" in done.stderr


def test_config_errors_are_chinese_and_keep_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.x]\nbase_url = "https://gw.example/v1"\ntemperature = "hot"\n')
    done = _cli("--config", str(config), "models")
    assert done.returncode == 3
    assert "配置错误" in done.stderr and "0 到 2 之间的数字" in done.stderr
    assert str(config) in done.stderr


def test_the_config_language_wins_over_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('language = "zh_CN"\n')
    done = _cli("--config", str(config), "--help", lang="en_US.UTF-8")
    assert "用法：" in done.stdout
    config.write_text('language = "en"\n')
    done = _cli("--config", str(config), "--help")
    assert done.stdout.startswith("usage: ")


def test_cli_logs_table_lines_up_with_a_chinese_model_name(
    isolated_env: Path, demo: object
) -> None:
    from dataclasses import replace

    from tui.demo import DEMO_KEY, DemoGateway
    from tui.demo.catalog import MODELS

    assert isinstance(demo, DemoGateway)
    demo.ledger.charge(replace(MODELS[0], id="通义千问-max"), 1200, 3400, "req-zh-1")
    config = isolated_env / "config.toml"
    config.write_text(
        f'[profiles.oc]\nbase_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        f'logs_url = "{demo.logs_url}"\n'
    )
    config.chmod(0o600)
    done = _cli("--config", str(config), "logs", "--limit", "5")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "·" not in line]  # not the summary
    assert lines[0].split()[:3] == ["时间", "模型", "输入"]
    assert "通义千问-max" in lines[1]
    # the request-id column (last) starts in the same cell on every line
    starts = {cell_len(line[: line.rindex("  ") + 2]) for line in lines}
    assert len(starts) == 1, done.stdout


def test_gateway_words_are_kept_as_written_beside_our_chinese_explanation(
    isolated_env: Path, demo: object
) -> None:
    from tui.demo import DEMO_KEY, DemoGateway, Fault

    assert isinstance(demo, DemoGateway)
    config = isolated_env / "config.toml"
    config.write_text(
        f'[profiles.oc]\nbase_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        f'logs_url = "{demo.logs_url}"\ndefault_model = "gpt-4o-mini"\n'
    )
    config.chmod(0o600)
    demo.add_fault(Fault("envelope_error", endpoint="logs", times=-1))
    done = _cli("--config", str(config), "logs", "--limit", "5")
    assert done.returncode != 0
    assert "网关原话：系统繁忙" in done.stderr  # openai-hk's error_des, as it wrote it
    assert done.stderr.count("\n") == 1

    demo.clear_faults()
    demo.balance = 0
    done = _cli("--config", str(config), "chat", "hello")
    assert done.returncode == 5
    assert "积分不足" in done.stderr  # our explanation, translated
    assert "Insufficient credits — please top up and try again" in done.stderr  # theirs, not


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2000, blacklist_categories=["Cs"])))
def test_line_breaking_changes_nothing_for_text_without_wide_characters(text: str) -> None:
    import re

    from tui.ui.patches.cjk_wrap import _WIDE, RICH_WORD, TEXTUAL_CHUNK

    assume(not re.search(f"[{_WIDE}]", text))
    assert TEXTUAL_CHUNK.findall(text) == re.findall(r"\S+\s*|\s+", text)
    assert RICH_WORD.findall(text) == re.findall(r"\s*\S+\s*", text)


def _chunks(match_at: Callable[[str, int], re.Match[str] | None], text: str) -> list[str]:
    """What a wrapper makes of `text`: repeated `pattern.match(text, pos)`, as textual and rich
    call it."""
    found: list[str] = []
    pos = 0
    while pos < len(text) and (match := match_at(text, pos)) is not None:
        found.append(match.group())
        pos = match.end()
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(max_codepoint=0x7F),
            st.sampled_from("面向兼容网关。，、（）《》“”…é’━ᄀ 　\n"),
            st.characters(blacklist_categories=["Cs"]),
        )
    )
)
def test_the_installed_line_breaking_chunks_as_the_cjk_patterns(text: str) -> None:
    """What `install` puts in the wrappers' place (the wrapper's own pattern for ASCII text,
    ours compiled on first need for the rest) chunks any text exactly as our patterns do."""
    from tui.ui.patches import cjk_wrap as cjkwrap

    textual_chunk = cjkwrap._Chunker("TEXTUAL_CHUNK", re.compile(r"\S+\s*|\s+"))
    rich_word = cjkwrap._Chunker("RICH_WORD", re.compile(r"\s*\S+\s*"))
    assert _chunks(textual_chunk.match, text) == _chunks(cjkwrap.TEXTUAL_CHUNK.match, text)
    assert _chunks(rich_word.match, text) == _chunks(cjkwrap.RICH_WORD.match, text)
