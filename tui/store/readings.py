"""Balance readings per profile (schema v4): the history a burn rate is estimated from when the
gateway keeps no usage log. Bounded: one reading per profile per slot, none older than KEEP."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .db import Database

SLOT = 300.0  # seconds; part of the stored data (slot = floor(at / SLOT)): never change it
KEEP = 90 * 86_400.0  # seconds of readings kept per profile

Sample = tuple[float, Decimal]  # (unix time, remaining)


def _slot(at: float) -> int:
    return int(at // SLOT)


def record_balance(db: Database, profile: str, at: float, remaining: Decimal, unit: str) -> None:
    """Store a reading; a newer reading in the same slot replaces the older one, and readings
    older than KEEP before `at` are dropped. StoreError when it cannot be written."""
    with db.write() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO balance_samples (profile, slot, at, remaining, unit)"
            " VALUES (?, ?, ?, ?, ?)",
            (profile, _slot(at), at, str(remaining), unit),
        )
        conn.execute(
            "DELETE FROM balance_samples WHERE profile = ? AND slot < ?",
            (profile, _slot(at - KEEP)),
        )


def balance_samples(
    db: Database, profile: str, since: float, until: float
) -> list[tuple[float, Decimal, str]]:
    """(time, remaining, unit) of the readings in [since, until], oldest first, and the last
    one before `since` (it tells what was spent across the window's start). Rows whose amount
    does not read as a number are skipped."""
    before = db.query(
        "SELECT at, remaining, unit FROM balance_samples WHERE profile = ? AND slot < ?"
        " AND at < ? ORDER BY slot DESC LIMIT 1",
        (profile, _slot(since) + 1, since),
    )
    inside = db.query(
        "SELECT at, remaining, unit FROM balance_samples WHERE profile = ? AND slot >= ?"
        " AND slot <= ? AND at >= ? AND at <= ? ORDER BY slot",
        (profile, _slot(since), _slot(until), since, until),
    )
    found = []
    for at, remaining, unit in [*before, *inside]:
        try:
            amount = Decimal(remaining)
        except (InvalidOperation, TypeError):
            continue
        if amount.is_finite():
            found.append((float(at), amount, str(unit)))
    return found


def count_balance_samples(db: Database, profile: str) -> int:
    row = db.query_one("SELECT count(*) FROM balance_samples WHERE profile = ?", (profile,))
    return int(row[0]) if row is not None else 0
