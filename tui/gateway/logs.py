"""openai-hk usage logs: the `{data, error, error_des}` envelope and string-typed rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from ..base.i18n import _
from .adapters.base import dec
from .errors import AuthError, GatewayError, OutOfCredits, ProtocolError, ServerError
from .types import LogPage, LogRow

MAX_PAGE = 300
_AUTH_WORDS = ("apikey", "api key", "key", "令牌", "密钥", "token", "unauthorized")
_CREDIT_WORDS = ("余额", "insufficient", "quota", "credit")


def check_page(start: int, limit: int) -> None:
    """Reject a page request the gateway would refuse: start >= 0 and 0 < limit <= 300."""
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise ValueError(_("start must be a whole number >= 0 (got {value})").format(value=start))
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_PAGE:
        raise ValueError(
            _("limit must be between 1 and {max} (got {value})").format(max=MAX_PAGE, value=limit)
        )


def unwrap(payload: Any, where: str, status: int = 200) -> Any:
    """The `data` of an openai-hk envelope; a non-zero `error` is a failure even on HTTP 200."""
    if not isinstance(payload, dict) or "error" not in payload:
        raise ProtocolError(
            _("{where} answered without the expected {{data, error}} envelope.").format(where=where)
        )
    code = payload.get("error")
    if code in (0, "0", None, False):
        return payload.get("data")
    said = str(payload.get("error_des") or code)
    lowered = said.lower()
    kw: dict[str, Any] = {"status": status, "gateway_message": said}
    if any(word in lowered for word in _CREDIT_WORDS):
        return _raise(
            OutOfCredits(
                _("Out of credits on {where} — top up at your gateway, then retry.").format(
                    where=where
                ),
                **kw,
            )
        )
    if str(code) in ("401", "403") or any(word in lowered for word in _AUTH_WORDS):
        return _raise(
            AuthError(
                _("{where} rejected the API key — check the key in your profile.").format(
                    where=where
                ),
                **kw,
            )
        )
    return _raise(
        ServerError(_("{where} reported error {code}.").format(where=where, code=code), **kw)
    )


def _raise(error: GatewayError) -> Any:
    raise error


def parse_rows(data: Any, where: str) -> list[LogRow]:
    """The rows of a page's `data` (a LogPage when it is a usual page); ProtocolError when
    a row cannot be read."""
    read = read_page(data, where)
    return usual_page(read) if isinstance(read, tuple) else read


Texts = tuple[Sequence[str], ...]  # a usual page's columns as the gateway wrote them


def read_page(data: Any, where: str) -> Texts | list[LogRow]:
    """parse_rows without making the rows of a usual page: its texts (usual_page makes them)."""
    logs = data.get("logs") if isinstance(data, dict) else data
    if logs is None:
        return []
    if not isinstance(logs, list):
        raise ProtocolError(_("{where} sent usage logs that are not a list.").format(where=where))
    try:
        return _usual_texts(logs) or [parse_row(row) for row in logs]
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # OverflowError: "inf"
        raise ProtocolError(
            _("{where} sent a usage-log row that cannot be read ({problem}).").format(
                where=where, problem=exc
            )
        ) from None


_FIELDS = itemgetter(
    "id", "user_id", "ctime", "prompt_tokens", "completion_tokens", "fen", "model", "yufen",
    "reqid", "ip", "note",
)  # fmt: skip
_NUMBERS = itemgetter(0, 2, 3, 4, 5, 7)  # the columns of digits: id, ctime, tokens, credits
_TEXTS = itemgetter(1, 6, 8, 9, 10)  # the others: user_id, model, reqid, ip, note
_LEADING_ZERO = re.compile(",0[0-9]")


def _usual_rows(logs: list[Any]) -> LogPage | list[LogRow] | None:
    """The rows of a usual page (_usual_texts) as a LogPage, [] of none; None for any other."""
    texts = _usual_texts(logs)
    return [] if not logs else None if texts is None else usual_page(texts)


def _usual_texts(logs: list[Any]) -> Texts | None:
    """The columns of a page whose rows are all as openai-hk writes them (every field there,
    as text: whole numbers as digits without leading zeros, credits as plain whole numbers),
    checked by a few C-level passes over the page's joined texts (a first sync reads a
    million rows: 4.5 -> ~1.2 µs a row); None for any other page (or none), which parse_row
    reads row by row."""
    if not logs:
        return None
    try:
        texts = tuple(zip(*map(_FIELDS, logs), strict=True))
        # the numbers one text, "1,22,0,…": TypeError when a value is not text, as for the rest
        numbers = ",".join(chain.from_iterable(_NUMBERS(texts)))
        "".join(chain.from_iterable(_TEXTS(texts)))
    except (KeyError, TypeError):  # a field missing, a row not an object, a value not text
        return None
    digits = numbers.replace(",", "")
    if (
        numbers.count(",") != 6 * len(logs) - 1  # a comma in a number
        or not (digits.isdigit() and digits.isascii())
        or ",," in numbers or numbers[0] == "," or numbers[-1] == ","  # an empty number
        or (numbers[0] == "0" and numbers[1:2] not in (",", ""))  # "007": made plain ("7")
        or _LEADING_ZERO.search(numbers)  # row by row
    ):  # fmt: skip
        return None
    ids, _users, times, prompts, completions = texts[:5]
    if max(map(len, chain(ids, prompts, completions))) > 18 or max(map(len, times)) > 11:
        return None  # perhaps beyond SQLite's integers or the year 9999: checked row by row
    return texts


def usual_page(texts: Texts) -> LogPage:
    """The rows of a usual page's texts (as _usual_texts returns them), with its columns."""
    ids, users, times, prompts, completions, fens, models, yufens, reqids, ips, notes = texts
    return LogPage((
        [*map(int, ids)], users, [*map(int, times)], [*map(int, prompts)],
        [*map(int, completions)], fens, models, yufens, reqids, ips, notes,
    ), texts)  # fmt: skip


def parse_row(row: dict[str, Any]) -> LogRow:
    # a first sync parses a million rows: positional, the tuple made without LogRow's Python
    # __new__; whole credits as digits and whole-second times (the usual case) kept as the
    # gateway wrote them, without a call
    get = row.get
    fen, yufen, ctime = get("fen"), get("yufen"), row["ctime"]
    return _new_row(LogRow, (
        _whole(row["id"], "id"),
        str(get("user_id", "")),
        _time(int(ctime) if type(ctime) is str and ctime.isdigit() and ctime.isascii()
              else int(float(ctime))),
        _whole(get("prompt_tokens") or 0, "prompt_tokens"),
        _whole(get("completion_tokens") or 0, "completion_tokens"),
        fen if type(fen) is str and fen.isdigit() and fen.isascii()
        and (fen[0] != "0" or fen == "0") else _credits(fen),
        str(get("model", "")),
        yufen if type(yufen) is str and yufen.isdigit() and yufen.isascii()
        and (yufen[0] != "0" or yufen == "0") else _credits(yufen),
        str(get("reqid") or ""),
        str(get("ip") or ""),
        str(get("note") or ""),
    ))  # fmt: skip


_new_row = tuple.__new__
_INT64 = 2**63  # SQLite's integers: the cache stores ids and token counts as such
_EARLIEST = -62_135_596_800  # 0001-01-01 00:00:00 UTC, the first time a datetime can hold
_LATEST = 253_402_300_799  # 9999-12-31 23:59:59 UTC, the last


def _whole(value: Any, field: str) -> int:
    """An id or a token count as an integer; ValueError beyond what the cache can store (a
    gateway's 20-digit id stopped a sync with a traceback)."""
    number = int(value)
    if not -_INT64 <= number < _INT64:
        raise ValueError(_("{field} {value} is out of range").format(field=field, value=value))
    return number


def _time(seconds: int) -> int:
    """A row's unix time; ValueError outside the years 1 to 9999 (what a datetime holds)."""
    if not _EARLIEST <= seconds <= _LATEST:
        raise ValueError(_("time {value} is out of range").format(value=seconds))
    return seconds


def _credits(value: Any) -> str:
    """Credits as plain decimal text ("0", "12", "0.5"); ValueError when not a number."""
    result = dec(value if value not in ("", None) else 0)
    if result is None:
        raise ValueError(_("not a number: {value!r}").format(value=value))
    return format(result, "f")
