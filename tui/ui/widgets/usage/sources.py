"""What the Usage tables show: cached log rows a window at a time, and report lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ....base.i18n import _
from ....base.textfmt import number
from ....spend.money import Amount, credits, format_amount
from ....store import Bucket, Database, Totals
from ....store.usage_view import (
    RowQuery,
    ShownRow,
    count_query,
    counted_at_once,
    rows_of,
    window_ids,
)
from .table import Bar, Column, Line

if TYPE_CHECKING:
    from ....spend.money import Rate

ORPHAN = "!"
SORTABLE = ("time", "model", "prompt", "completion", "credits", "balance", "ip", "reqid")
DESCENDING_FIRST = ("time", "prompt", "completion", "credits", "balance")


def row_columns(money: str | None = None) -> list[Column]:
    """The rows table: at 80 columns everything but the request id fits. A log counted in
    `money` (new-api, LiteLLM: USD) heads its amounts with it."""
    return [
        Column("orphan", "", 1, keep=9),
        Column("time", _("Time"), 11, keep=8),
        Column("model", _("Model"), 10, flex=True, keep=9),
        Column("prompt", _("In"), 7, right=True, keep=6),
        Column("completion", _("Out"), 6, right=True, keep=5),
        Column("credits", money or _("Credits"), 7, right=True, keep=9),
        Column("balance", _("Left"), 9, right=True, keep=4),
        Column("ip", _("IP"), 15, keep=3),
        Column("reqid", _("Request id"), 16, flex=True, keep=1),
    ]


def row_line(shown: ShownRow, left: bool = True) -> Line:
    """A row; `left` False for a log whose rows do not say the balance after them (new-api,
    LiteLLM): "—", not 0."""
    row = shown.row
    return Line(
        {
            "orphan": ORPHAN if shown.orphan else "",
            "time": row.ctime.astimezone().strftime("%m-%d %H:%M"),
            "model": row.model,
            "prompt": number(row.prompt_tokens),
            "completion": number(row.completion_tokens),
            "credits": number(row.fen),
            "balance": number(row.yufen) if left else "—",
            "ip": row.ip,
            "reqid": row.reqid,
        },
        mark=shown.orphan,
    )


FIRST = 512  # ids read at once when the count comes later: the table's first windows


class RowsSource:
    """A profile's cached rows as the query shows them, read a window at a time. An index
    count is taken at once; a count over searched words (a pass over every row) comes later
    from the thread that adds up the totals (which may also have read the `first` ids):
    meanwhile `count()` is the rows found so far
    (the first FIRST ids, or fewer: then it is exact; or `expect`, the count of the same
    query a moment ago, when more) and `counted` is False."""

    def __init__(
        self,
        db: Database,
        profile: str,
        query: RowQuery,
        count: int | None = None,
        expect: int = 0,
        *,
        first: list[int] | None = None,
        left: bool = True,
    ) -> None:
        self.db = db
        self.profile = profile
        self.left = left  # the rows say the balance after them (openai-hk's do)
        self.query = query
        self._first: list[int] = [] if first is None else first
        self._whole = False  # _first holds every row the query shows
        if count is None and counted_at_once(db, profile, query):
            count = count_query(db, profile, query)
        if count is None and first is None:
            self._first = window_ids(db, profile, query, 0, FIRST)
        if (count is None or first is not None) and len(self._first) < FIRST:
            count, self._whole = len(self._first), True
        self._count = count
        self._expect = expect

    @property
    def counted(self) -> bool:
        return self._count is not None

    def count(self) -> int:
        return max(len(self._first), self._expect) if self._count is None else self._count

    def set_count(self, count: int) -> None:
        self._count = count

    def lines(self, offset: int, limit: int) -> Sequence[Line]:
        if self._whole or offset + limit <= len(self._first):
            ids = self._first[offset : offset + limit]
        else:
            ids = window_ids(self.db, self.profile, self.query, offset, limit, total=self._count)
        return [row_line(r, self.left) for r in rows_of(self.db, self.profile, ids)]


def report_columns(by: str, rate: Rate | None, money: str | None = None) -> list[Column]:
    """The grouped views' columns; a log counted in `money` heads its amounts with it."""
    titles = {"day": _("Day"), "week": _("Week"), "model": _("Model")}
    columns = [
        Column("key", titles[by], 10, flex=by == "model", keep=9),
        Column("requests", _("Requests"), 8, right=True, keep=7),
        Column("prompt", _("Prompt"), 9, right=True, keep=5),
        Column("completion", _("Completion"), 10, right=True, keep=4),
        Column("credits", money or _("Credits"), 10, right=True, keep=8),
    ]
    if rate is not None:
        columns.append(Column("money", rate.currency, 9, right=True, keep=6))
    columns.append(Column("bar", "", 8, flex=True, keep=3))
    return columns


def report_lines(buckets: Sequence[Bucket], rate: Rate | None) -> list[Line]:
    """One line per bucket with a bar of its credits against the largest."""

    top = max((b.totals.credits for b in buckets), default=Decimal(0))
    lines = []
    for b in buckets:
        t = b.totals
        cells: dict[str, str | Bar] = {
            "key": b.key,
            "requests": number(t.requests),
            "prompt": number(t.prompt_tokens),
            "completion": number(t.completion_tokens),
            "credits": number(t.credits),
            "bar": Bar(float(t.credits / top) if top > 0 else 0.0),
        }
        if rate is not None:
            cells["money"] = number(rate.to_money(credits(t.credits)).value, 2)
        lines.append(Line(cells))
    return lines


def totals_text(
    t: Totals, rate: Rate | None, shown: int | None = None, money: str | None = None
) -> str:
    """ "1,234/3,000 rows · 1.2M in · 300K out · 12,345 credits (123.45 CNY)"; amounts in
    `money` for a log that counts in it (new-api, LiteLLM: USD)."""

    amount = format_amount(credits(t.credits) if money is None else Amount(t.credits, money))
    if rate is not None and money is None:
        money = format_amount(rate.to_money(credits(t.credits)))
        amount = _("{credits} ({money})").format(credits=amount, money=money)
    rows = number(t.requests)
    if shown is not None:
        rows = _("{shown}/{total}").format(shown=number(t.requests), total=number(shown))
    return _("{rows} rows · {prompt} in · {completion} out · {amount}").format(
        rows=rows, prompt=number(t.prompt_tokens), completion=number(t.completion_tokens),
        amount=amount,
    )  # fmt: skip
