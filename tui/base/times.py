"""Times typed by a user (command line, the Usage panel's range): `2026-11-01`,
`2026-11-01T12:00`, `7d`, `12h`, `30m`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .i18n import _

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class TimeError(ValueError):
    """A time that cannot be read; its text says what was expected (the CLI exits 2)."""


def parse_when(text: str, option: str, now: datetime | None = None) -> datetime:
    """An aware datetime for `text`: ISO date/time in local time, or a span back from now."""
    now = now or datetime.now(UTC)
    text = text.strip()
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise TimeError(
            _(
                "{option} wants a date like 2026-11-01, a time like 2026-11-01T08:30, or a span "
                "like 7d or 12h; got '{value}'"
            ).format(option=option, value=text)
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # local time
    return when


def local(when: datetime) -> datetime:
    return when.astimezone()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def first_whole_second(when: datetime) -> int:
    """The first whole unix second at or after the aware `when`, exactly: a time of whole
    seconds `s` is before `when` exactly when s < first_whole_second(when) (where
    `s < when.timestamp()` may round at a microsecond)."""
    since = when - _EPOCH
    return since.days * 86_400 + since.seconds + (1 if since.microseconds else 0)
