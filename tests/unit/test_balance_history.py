"""Spend, burn rate and days left from balance readings (profiles whose gateway keeps no usage
log), with a fixed clock: top-ups are not spend, gaps are spread evenly, a short history tells
no rate; the readings table is bounded and comes with schema v4 onto older databases."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.store_helpers import old_db
from tui import store
from tui.gateway.types import Balance
from tui.profiles.config import Profile
from tui.spend.balance_history import (
    DAY,
    MIN_SPAN,
    burn_rate,
    estimate,
    from_store,
    record,
    spend,
)
from tui.spend.service import figures
from tui.store.readings import KEEP, SLOT
from tui.store.schema import target_version

NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)  # TZ=UTC in the tests: midnight is 00:00 UTC
T = NOW.timestamp()
HOUR = 3_600.0
D = Decimal


def cny(amount: str) -> Balance:
    return Balance("deepseek", D(amount), unit="CNY", currency="CNY")


# ---- the arithmetic ------------------------------------------------------------------------


def test_spend_is_the_sum_of_falls_and_a_top_up_is_not_negative_spend() -> None:
    samples = [(T - 4 * HOUR, D(100)), (T - 3 * HOUR, D(80)), (T - 2 * HOUR, D(200)),
               (T - HOUR, D(170))]  # fmt: skip
    assert spend(samples, T - DAY, T) == D(50)  # 20 + 30; the +120 top-up counts as nothing
    burn, span = burn_rate(samples, T)
    assert span == 3 * HOUR
    assert burn == D(50) * 8  # 50 over 3 hours = 400 a day


def test_a_pair_across_the_window_start_counts_for_its_part_inside() -> None:
    # 23:00 yesterday 100 -> 01:00 today 90: half of the fall is today's
    samples = [(T - 13 * HOUR, D(100)), (T - 11 * HOUR, D(90))]
    assert spend(samples, T - 12 * HOUR, T) == D(5)
    assert spend(samples, T - 10 * HOUR, T) is None  # no two readings span any of it
    assert spend(samples[:1], T - DAY, T) is None  # one reading tells nothing


def test_a_gap_spreads_the_fall_evenly_over_it() -> None:
    # app closed for five days: the burn is the average, the same as with daily readings
    gap = [(T - 6 * DAY, D(600)), (T - DAY, D(100)), (T, D(0))]
    daily = [(T - (6 - i) * DAY, D(600 - 100 * i)) for i in range(7)]
    assert burn_rate(gap, T) == burn_rate(daily, T) == (D(100), 6 * DAY)
    # older readings than the 7-day window count only for the part inside it
    old = [(T - 14 * DAY, D(1400)), (T, D(0))]
    assert burn_rate(old, T) == (D(100), 7 * DAY)


def test_too_short_a_history_tells_no_burn_rate_but_todays_spend() -> None:
    samples = [(T - 30 * 60, D(100)), (T, D(99))]
    assert burn_rate(samples, T) == (None, 30 * 60)
    found = estimate(samples, T, T - 12 * HOUR, D(99))
    assert found.today == D(1) and found.burn is None and found.days_left is None
    assert burn_rate(samples[:1], T) == (None, 0.0)
    # an hour exactly is enough
    hour = [(T - MIN_SPAN, D(100)), (T, D(99))]
    assert estimate(hour, T, T - 12 * HOUR, D(99)).days_left == D("4.125")  # 99 / 24


def test_nothing_spent_gives_a_zero_rate_and_no_days_left() -> None:
    samples = [(T - 2 * HOUR, D(50)), (T - HOUR, D(50)), (T, D(80))]  # only a top-up
    found = estimate(samples, T, T - 12 * HOUR, D(80))
    assert found.burn == 0 and found.days_left is None and found.today == 0


def test_readings_after_now_are_not_used() -> None:
    samples = [(T - 2 * HOUR, D(50)), (T - HOUR, D(40)), (T + HOUR, D(0))]
    assert burn_rate(samples, T) == (D(240), HOUR)


# ---- the store -----------------------------------------------------------------------------


def test_one_reading_per_slot_and_none_older_than_kept(db: store.Database) -> None:
    start = (T // SLOT) * SLOT
    assert record(db, "ds", cny("10"), datetime.fromtimestamp(start, UTC))
    assert record(db, "ds", cny("9.5"), datetime.fromtimestamp(start + 60, UTC))  # same slot
    assert store.count_balance_samples(db, "ds") == 1
    rows = store.balance_samples(db, "ds", start - DAY, start + DAY)
    assert rows == [(start + 60, D("9.5"), "CNY")]  # the newer reading of the slot
    assert record(db, "ds", cny("9"), datetime.fromtimestamp(start + SLOT, UTC))
    assert store.count_balance_samples(db, "ds") == 2
    # ninety days on, the first readings go
    later = datetime.fromtimestamp(start + KEEP + 2 * SLOT, UTC)
    assert record(db, "ds", cny("1"), later)
    assert store.count_balance_samples(db, "ds") == 1
    assert store.count_balance_samples(db, "other") == 0


def test_nothing_is_recorded_without_an_amount(db: store.Database) -> None:
    assert not record(db, "x", Balance("openrouter", None), NOW)
    assert not record(db, "x", Balance("openrouter", D(5), unlimited=True), NOW)
    assert not record(db, "x", None, NOW)
    assert not record(None, "x", cny("1"), NOW)
    assert store.count_balance_samples(db, "x") == 0


def test_a_reading_lost_to_a_read_only_store_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    store.open_db(path).close()
    with store.open_db(path, read_only=True) as ro:
        assert not record(ro, "ds", cny("1"), NOW)


def test_the_estimate_reads_the_readings_in_the_balance_unit(db: store.Database) -> None:
    for hours, amount in ((3, "12"), (2, "11"), (1, "10.5"), (0, "10")):
        record(db, "ds", cny(amount), datetime.fromtimestamp(T - hours * HOUR, UTC))
    record(db, "ds", Balance("deepseek", D(999), unit="USD", currency="USD"),
           datetime.fromtimestamp(T - 4 * HOUR, UTC))  # fmt: skip
    found = from_store(db, "ds", NOW, cny("10"))
    assert found.today == D(2)  # 12 -> 10 since 09:00, the USD reading left out
    assert found.burn == D(16)  # 2 over 3 hours
    assert found.days_left == D("0.625")


def test_profile_figures_use_the_readings_only_without_a_usage_log(db: store.Database) -> None:
    profile = Profile(name="ds", base_url="https://api.deepseek.com/v1")
    record(db, "ds", cny("12"), datetime.fromtimestamp(T - 2 * HOUR, UTC))
    record(db, "ds", cny("10"), NOW)
    row = figures(profile, cny("10"), db, NOW, has_logs=False)
    assert row.basis == "balance" and row.burn == D(24) and row.days_left == D("0.416667")
    logged = figures(profile, cny("10"), db, NOW, has_logs=True)
    assert logged.basis is None and logged.burn is None  # a log, not synced yet: no guess
    only_one = figures(profile, cny("12"), db, NOW.replace(hour=10), has_logs=False)
    assert only_one.today is None and only_one.burn is None  # one reading by 10:00


# ---- schema v4 -----------------------------------------------------------------------------


def test_migration_from_v3_adds_the_readings_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    with old_db(path, 3) as old:  # a database made by the version before the readings
        old.conn.execute(
            "INSERT INTO usage_rows (profile, id, ctime, fen, yufen, fen_n, yufen_n)"
            " VALUES ('oc', 1, 0, '9', '100', 9, 100)"
        )
        tables = {r[0] for r in old.query("SELECT name FROM sqlite_master")}
        assert "balance_samples" not in tables
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
    with store.open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == target_version() >= 4
        assert store.count_usage(db, "oc") == 1
        assert record(db, "ds", cny("3"), NOW)
        assert store.balance_samples(db, "ds", T - 1, T) == [(T, D(3), "CNY")]
