"""Money and budgets: amounts keep their unit, config keys for budgets/units/prices are checked
with file, line and key, and a budget's spend comes from the usage cache in local time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tui import store
from tui.gateway import LogRow
from tui.profiles.config import ConfigError, ModelPrice, Profile, load
from tui.spend.budgets import budget_status, describe_budget, period_start
from tui.spend.money import (
    CREDITS,
    Amount,
    Rate,
    UnitMismatch,
    credits,
    credits_text,
    format_amount,
    rate_for,
)

# ---- money --------------------------------------------------------------------------------


def test_amounts_add_and_compare_only_in_one_unit() -> None:
    assert credits(5) + credits("2.5") == credits("7.5")
    assert sum([credits(1), credits(2), credits(3)]) == credits(6)
    assert credits(3) - credits(1) == credits(2) and -credits(1) == credits(-1)
    assert credits(2) * 3 == credits(6) == 3 * credits(2)
    assert credits(1) < credits(2) and credits(2) >= credits(2)
    cny = Amount(Decimal(1), "CNY")
    with pytest.raises(UnitMismatch) as caught:
        credits(100) + cny
    assert caught.value.units == (CREDITS, "CNY")
    assert "credits" in str(caught.value) and "CNY" in str(caught.value)
    for wrong in (lambda: cny - credits(1), lambda: cny < credits(1), lambda: cny >= credits(1)):
        with pytest.raises(UnitMismatch):
            wrong()
    with pytest.raises(TypeError):
        credits(1) + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        credits(1) * 1.5  # type: ignore[operator]
    assert credits(1) != cny  # equality never raises; it is simply not equal


def test_a_rate_converts_both_ways_and_refuses_the_wrong_unit() -> None:
    rate = Rate(Decimal(100), "CNY")
    assert rate.to_money(credits(1234)) == Amount(Decimal("12.34"), "CNY")
    assert rate.to_credits(Amount(Decimal("0.5"), "CNY")) == credits(50)
    with pytest.raises(UnitMismatch):
        rate.to_money(Amount(Decimal(1), "USD"))
    with pytest.raises(UnitMismatch):
        rate.to_credits(credits(1))
    with pytest.raises(ValueError):
        Rate(Decimal(0), "CNY")


def test_formatting_credits_and_money() -> None:
    assert format_amount(credits(1234567)) == "1,234,567 credits"
    assert format_amount(credits("1234.50")) == "1,234.5 credits"
    assert format_amount(Amount(Decimal("12.345"), "CNY")) == "¥12.35"  # half up
    assert format_amount(Amount(Decimal("1234.5"), "USD")) == "$1,234.50"
    assert format_amount(Amount(Decimal("0.00412"), "USD")) == "$0.0041"  # not 0.00
    assert format_amount(Amount(Decimal("0.00415"), "USD")) == "$0.0042"
    assert format_amount(Amount(Decimal("1.5"), "USD"), places=0) == "$2"
    assert format_amount(Amount(Decimal(0), "CNY")) == "¥0.00"
    rate = Rate(Decimal(100), "CNY")
    assert credits_text(Decimal(12345), rate) == "12,345 credits (¥123.45)"
    assert credits_text(Decimal(7), estimated=True) == "≈7 credits"
    assert str(credits(3)) == "3 credits"


# ---- config -------------------------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.gw]\nbase_url = "https://gw.example/v1"\n' + body, "utf-8")
    path.chmod(0o600)
    return path


def test_budgets_units_and_prices_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'daily_budget = 500\nmonthly_budget = "12000.5"\ncredits_per_unit = 100\n'
        'currency = "CNY"\nlow_balance = 1000\n\n[profiles.gw.prices]\n'
        '"gpt-4o" = { prompt = 2.5, completion = 10 }\n"deepseek-*" = 1\n',
    )
    profile = load(path).profile("gw")
    assert profile.daily_budget == Decimal(500)
    assert profile.monthly_budget == Decimal("12000.5")
    assert rate_for(profile) == Rate(Decimal(100), "CNY")
    assert profile.prices == {
        "gpt-4o": ModelPrice(Decimal("2.5"), Decimal(10)),
        "deepseek-*": ModelPrice(Decimal(1), Decimal(1)),
    }
    bare = load(write(tmp_path, "")).profile("gw")
    assert bare.daily_budget is None and bare.prices == {} and rate_for(bare) is None


@pytest.mark.parametrize(
    ("body", "line", "key", "words"),
    [
        ("daily_budget = -1\n", 3, "profiles.gw.daily_budget", "0 or more"),
        ('monthly_budget = "lots"\n', 3, "profiles.gw.monthly_budget", "must be a number"),
        ("monthly_budget = true\n", 3, "profiles.gw.monthly_budget", "must be a number"),
        ("credits_per_unit = 0\ncurrency = 'CNY'\n", 3, "profiles.gw.credits_per_unit", "above 0"),
        ("credits_per_unit = 100\n", 3, "profiles.gw.credits_per_unit", "currency"),
        ('currency = "CNY"\n', 3, "profiles.gw.currency", "credits_per_unit"),
        ("currency = 5\n", 3, "profiles.gw.currency", "currency code"),
        ("prices = 3\n", 3, "profiles.gw.prices", "a table"),
        ('[profiles.gw.prices]\n"gpt-4o" = "cheap"\n', 4, "profiles.gw.prices.gpt-4o", "per 1K"),
        ("[profiles.gw.prices]\nm = { prompt = 1 }\n", 4, "profiles.gw.prices.m", "per 1K"),
        ("[profiles.gw.prices]\nm = -2\n", 4, "profiles.gw.prices.m", "per 1K"),
        ("[profiles.gw.prices]\nm = { prompt = 1, output = 2 }\n", 4, "profiles.gw.prices.m",
         "unknown key 'output'"),
        ("[profiles.gw.prices.m]\nprompt = 1\ncompletion = 'x'\n", 3, "profiles.gw.prices.m",
         "per 1K"),
        ("prices = { m = 'x' }\n", 3, "profiles.gw.prices.m", "per 1K"),
    ],
)  # fmt: skip
def test_bad_budget_unit_and_price_keys_name_file_line_and_key(
    tmp_path: Path, body: str, line: int, key: str, words: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load(path)
    error = caught.value
    assert (error.path, error.line, error.key) == (path, line, key)
    assert words in error.problem
    assert str(error).startswith(f"{path}:{line}: {key}: ")


# ---- budgets ------------------------------------------------------------------------------


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def row(i: int, when: datetime, fen: int) -> LogRow:
    return LogRow.of(i, "9", when, 10, 10, Decimal(fen), "m", Decimal(1000 - i), f"r{i}", "", "")


def test_budget_periods_follow_local_midnight(db: store.Database, shanghai: None) -> None:
    now = datetime(2025, 11, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    assert period_start(now, "day") == datetime(2025, 11, 22, 16, 0, tzinfo=UTC)
    assert period_start(now, "month") == datetime(2025, 10, 31, 16, 0, tzinfo=UTC)
    store.store_usage(db, "gw", [
        row(1, datetime(2025, 10, 31, 15, 59, tzinfo=UTC), 1000),  # 23:59 Oct 31 local
        row(2, datetime(2025, 11, 1, 8, 0, tzinfo=UTC), 300),
        row(3, datetime(2025, 11, 22, 15, 0, tzinfo=UTC), 200),  # yesterday 23:00 local
        row(4, datetime(2025, 11, 22, 17, 0, tzinfo=UTC), 40),  # today 01:00 local
        row(5, datetime(2025, 11, 23, 1, 0, tzinfo=UTC), 2),
    ])  # fmt: skip
    profile = Profile("gw", "https://gw.example/v1", daily_budget=Decimal(40),
                      monthly_budget=Decimal(500))  # fmt: skip
    day, month = budget_status(db, profile, now)
    assert (day.period, day.spent, day.over, day.left) == ("day", 42, True, -2)
    assert (month.period, month.spent, month.over) == ("month", 542, True)
    assert describe_budget(day, profile) == (
        "today's spend 42 credits is over the daily budget 40 credits"
    )
    profile.monthly_budget, profile.daily_budget = Decimal(600), None
    profile.credits_per_unit, profile.currency = Decimal(100), "CNY"
    (month,) = budget_status(db, profile, now)
    assert not month.over
    assert describe_budget(month, profile) == (
        "this month's spend 542 credits (¥5.42) of the monthly budget 600 credits (¥6.00)"
    )
    assert budget_status(db, Profile("gw", "https://gw.example/v1"), now) == []
    later = now + timedelta(days=10)  # a new month on Dec 1 local: nothing spent yet
    assert [b.spent for b in budget_status(db, profile, later)] == [0]
