"""The Usage panel's analytics: charts per day or week, and the balance over time with burn
rate and run-out date, as text lines sized to the panel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ....base.i18n import _, ngettext
from ....base.localefmt import day
from ....base.textfmt import cell_len, number, pad
from ....profiles.config import Profile
from ....spend.budgets import budget_sentence, budget_status
from ....spend.money import credits_text, log_unit, rate_for, spend_text
from ....store import Bucket, Database, balance_series, burn_rate, latest_balance, run_out_date
from ..charts import columns, sparkline


def spend_chart(buckets: Sequence[Bucket], by: str, width: int, money: str | None = None) -> str:
    """A caption and a sparkline of credits (or the log's `money`) per day or week, oldest
    left."""
    if by == "model" or not buckets:
        return ""
    if money is not None:  # a log counted in money (new-api, LiteLLM: USD)
        caption = (_("{unit} per day") if by == "day" else _("{unit} per week")).format(unit=money)
    else:
        caption = _("Credits per day") if by == "day" else _("Credits per week")
    first, last = buckets[0].key, buckets[-1].key
    head = _("{caption}, {first} … {last}").format(caption=caption, first=first, last=last)
    values = [float(b.totals.credits) for b in buckets]
    return head + "\n" + sparkline(values, min(width, max(len(values), 1) * 2))


def balance_view(
    db: Database,
    profile: Profile,
    now: datetime,
    *,
    since: datetime | None,
    until: datetime | None,
    width: int,
    height: int,
    after: bool = True,
) -> tuple[str, str]:
    """(the chart of credits left after each request, the figures under it: credits left,
    burn rate, run-out date, budgets). `after` False: the log's rows do not say the balance
    after them (new-api, one-api, LiteLLM): no chart and no credits left are made up from
    them (they would read 0), only what the rows do say."""
    name, rate = profile.name, rate_for(profile)
    figures = []
    left = latest_balance(db, name)
    rate_per_day = burn_rate(db, name, now)
    if left is None:
        return "", _("No usage rows cached yet: nothing to chart.")
    burn = (
        spend_text(rate_per_day, profile)
        if log_unit(profile)
        else credits_text(rate_per_day.quantize(Decimal(1)), rate)
    )
    if not after:
        figures.append(
            _("This usage log does not say the balance after each request, so there is no "
              "balance over time to chart: the Balance panel (F5) asks the gateway.")
        )  # fmt: skip
        figures.append(_("Burn rate: {amount} a day (last 7 days)").format(amount=burn))
        figures += [budget_sentence(s, profile) for s in budget_status(db, profile, now)]
        return "", "\n".join(figures)
    series = balance_series(db, name, since=since, until=until, max_points=max(2, width))
    figures.append(_("Credits left: {amount}").format(amount=credits_text(left, rate)))
    figures.append(_("Burn rate: {amount} a day (last 7 days)").format(amount=burn))
    when = run_out_date(left, rate_per_day, now)
    if when is None:
        figures.append(_("Run-out date: none (nothing spent in the last 7 days)"))
    else:
        days = max(0, (when - now).days)
        figures.append(
            ngettext(
                "Runs out about {date} (in {days} day)",
                "Runs out about {date} (in {days} days)",
                days,
            ).format(date=when.astimezone().strftime("%Y-%m-%d"), days=number(days))
        )
    for status in budget_status(db, profile, now):
        figures.append(budget_sentence(status, profile))
    if len(series) < 2:
        return "", "\n".join(figures)
    values = [float(v) for _t, v in series]
    top, low = max(values), min(values)
    lines = columns(values, width - 10, max(1, height))
    labels = {0: number(round(top)), len(lines) - 1: number(round(low))}
    chart = [f"{labels.get(i, ''):>9} {line}" for i, line in enumerate(lines)]
    start = day(series[0][0].astimezone())  # "Nov 16" / "11月16日"
    end = day(series[-1][0].astimezone())
    axis = " " * 10 + start + pad(end, max(0, width - 10 - cell_len(start)), right=True)
    return "\n".join([*chart, axis]), "\n".join(figures)
