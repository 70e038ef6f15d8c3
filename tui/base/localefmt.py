"""Dates and money as the current language writes them (numbers: textfmt.number).

Both languages group digits by thousands with "," and use "." for decimals (CLDR en and
zh_CN agree), so `textfmt.number` serves both. Full dates are ISO in both (2026-11-23: the
order Chinese writes, and unambiguous in English); month and day differ: "Nov 23" /
"11月23日". Currencies are written with their symbol, from the profile's `currency` code;
a code without a known symbol stays a code after the number ("12.35 XYZ"). Two languages
need these few rules, not a locale database: Babel's would cost the CLI ~40 ms to import.
"""

from __future__ import annotations

from datetime import date, datetime

from .i18n import current_language

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Currency symbols as CLDR writes them: the local currency bare, others marked.
_SYMBOLS = {
    "en": {"USD": "$", "CNY": "¥", "HKD": "HK$", "EUR": "€", "GBP": "£", "JPY": "JP¥"},
    "zh_CN": {"CNY": "¥", "USD": "US$", "HKD": "HK$", "EUR": "€", "GBP": "£", "JPY": "JP¥"},
}


def _zh() -> bool:
    return current_language() == "zh_CN"


def day(when: date) -> str:
    """Month and day: "Nov 23" / "11月23日"."""
    if _zh():
        return f"{when.month}月{when.day}日"
    return f"{_MONTHS[when.month - 1]} {when.day}"


def full_date(when: date) -> str:
    """A date with its year, in both languages "2026-11-23"."""
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"


def recent_date(when: datetime, now: datetime) -> str:
    """A past date as short as is clear: month and day within the year, else the full date."""
    return day(when) if when.year == now.year else full_date(when)


def money(amount: str, currency: str) -> str:
    """`amount` (already formatted) in `currency`: "¥12.35", "US$1,234.50", "12.35 XYZ"."""
    symbol = _SYMBOLS.get(current_language(), _SYMBOLS["en"]).get(currency.upper())
    if symbol is None:
        return f"{amount} {currency}"
    if amount.startswith("-"):
        return f"-{symbol}{amount[1:]}"
    return f"{symbol}{amount}"
