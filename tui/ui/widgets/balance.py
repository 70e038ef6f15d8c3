"""The Balance panel: credit left in the gateway's unit, used, last refresh, low-credit state,
and the spend against the profile's budgets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Static

from ...base.i18n import N_, _
from ...base.safe import terminal_safe
from ...base.textfmt import number
from ...gateway import Balance, GatewayError
from ...spend.budgets import budget_sentence, budget_status
from ...spend.money import log_unit, unit_places
from ...spend.service import figures
from ...store import StoreError
from ..deck import Deck
from .money import unit_name


class BalancePanel(VerticalScroll, can_focus=True):
    BINDINGS = [
        Binding("r,ctrl+r", "refresh", N_("Refresh"), id="balance.refresh"),
    ]
    _synced = False  # the usage log was synced since the panel was first shown

    def __init__(self, deck: Deck, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deck = deck

    def compose(self) -> ComposeResult:
        with Vertical(id="balance-card"):
            yield Label(_("Credit left"), classes="caption")
            yield Static("…", id="balance-amount", markup=False)
            yield Static("", id="balance-state", markup=False)
            yield Static("", id="balance-details", markup=False)
        yield Static("", id="balance-error", markup=False)

    def on_mount(self) -> None:
        deck = self.deck
        self.watch(deck, "balance", self._render_balance)
        self.watch(deck, "balance_error", self._render_error)
        self.watch(deck, "balance_missing", self._render_missing)
        self.watch(deck, "balance_loading", self._render_loading)

    def activate(self) -> Widget:
        if not self._synced:
            self._synced = True
            self._sync_log()
        return self

    def action_refresh(self) -> None:
        self.deck.refresh_balance(announce=True)
        self._sync_log()

    @work(exclusive=True, group="balance-log", exit_on_error=False)
    async def _sync_log(self) -> None:
        """Bring the usage cache up to date (a gateway with a usage log), then show today's
        spend, burn rate and days left from it."""

        deck = self.deck
        db = deck.history.db
        if db is None or db.read_only or not deck.gateway.has_logs:
            return
        try:
            synced = await deck.usage.sync(deck.gateway, db, deck.profile)
        except (GatewayError, StoreError):
            return  # the figures use what the cache holds
        if synced.changed and deck.balance is not None:
            self._render_balance(deck.balance)
        elif deck.balance is None and deck.balance_missing is not None:
            self._render_missing(deck.balance_missing)  # the log's figures, now synced

    def _render_missing(self, missing: str | None) -> None:
        """A gateway without a balance endpoint: said so, instead of "…" or an error."""
        if missing is None or self.deck.balance is not None:
            return
        self.query_one("#balance-amount", Static).update(_("No balance endpoint"))
        self.query_one("#balance-state", Static).update(missing)
        deck = self.deck
        lines = [
            _("Spend and budgets come from the usage log (F4) where the profile has one."),
        ]
        if deck.profile.balance != "none":  # said for good already: nothing to look at again
            lines.append(
                _(
                    '`tokendeck probe` looks again; balance = "none" in the profile says so for '
                    "good."
                )
            )
        db = deck.history.db
        if db is not None and deck.gateway.has_logs:  # today's spend and the burn rate still
            try:
                found = figures(deck.profile, None, db, deck.clock.now(), has_logs=True)
            except StoreError:
                found = None
            if found is not None and found.basis == "log":
                lines.extend(self._log_lines(found.today, found.burn, None))
        lines.extend(self._budget_lines())
        details = terminal_safe("\n".join(lines), multiline=True)  # units from the gateway
        self.query_one("#balance-details", Static).update(details)

    def _render_loading(self, loading: bool) -> None:
        self.query_one("#balance-card").loading = loading and self.deck.balance is None

    def _render_balance(self, balance: Balance | None) -> None:
        if balance is None:
            return
        deck = self.deck
        unit = unit_name(balance, deck.profile.unit)
        amount = self.query_one("#balance-amount", Static)
        if balance.unlimited:
            amount.update(_("Unlimited"))
        elif balance.remaining is None:
            amount.update(_("Unknown"))
        else:
            places = unit_places(balance.unit)
            amount.update(terminal_safe(f"{number(balance.remaining, places)} {unit}"))
        low = deck.is_low(balance)
        amount.set_class(low, "low")
        threshold = deck.low_threshold
        state = self.query_one("#balance-state", Static)
        if low and threshold is not None:
            state.update(
                _(
                    "Low credit: below your threshold of {threshold} {unit} — top up at "
                    "your gateway."
                ).format(threshold=number(threshold), unit=unit)
            )
        elif threshold is not None:
            state.update(
                _("Warning threshold: {threshold} {unit}").format(
                    threshold=number(threshold), unit=unit
                )
            )
        else:
            state.update(_("No low-credit threshold set (low_balance in the profile)."))
        state.set_class(low, "low")
        lines = []
        if balance.used is not None:
            lines.append(_("Used: {amount} {unit}").format(amount=number(balance.used), unit=unit))
        if balance.total is not None:
            lines.append(
                _("Total: {amount} {unit}").format(amount=number(balance.total), unit=unit)
            )
        if balance.currency:
            lines.append(_("Currency: {currency}").format(currency=balance.currency))
        lines.append(_("Balance dialect: {dialect}").format(dialect=balance.dialect))
        if balance.fetched_at is not None:
            when = balance.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            lines.append(_("Last refreshed: {when}").format(when=when))
        lines.extend(self._spend_lines(balance, unit))
        lines.extend(self._budget_lines())
        lines.append(_("Press r to refresh."))
        details = terminal_safe("\n".join(lines), multiline=True)  # units from the gateway
        self.query_one("#balance-details", Static).update(details)

    def _spend_lines(self, balance: Balance, unit: str) -> list[str]:
        """Today's spend, burn rate and days left (spend.profile_figures, as F6 and `status`
        show them): exact from the usage cache for a gateway with a usage log, else ≈ from
        the stored balance readings."""

        deck = self.deck
        db = deck.history.db
        if db is None or balance.unlimited:
            return []
        has_logs = deck.gateway.has_logs
        try:
            found = figures(deck.profile, balance, db, deck.clock.now(), has_logs=has_logs)
        except StoreError:
            return []
        if found.basis == "log":
            return self._log_lines(found.today, found.burn, found.days_left)
        if found.basis != "balance":
            return []
        places = unit_places(balance.unit)
        lines = []
        if found.today is not None:
            lines.append(
                _("Spent today: ≈{amount} {unit}").format(
                    amount=number(found.today, places), unit=unit
                )
            )
        if found.burn is None:
            lines.append(
                _("Burn rate: not enough history yet (balance readings over at least an hour)")
            )
        else:
            lines.append(
                _("Burn rate: ≈{amount} {unit} a day").format(
                    amount=number(found.burn, places if places is not None else 0), unit=unit
                )
            )
        if found.days_left is not None:
            lines.append(_("Days left: ≈{days}").format(days=number(found.days_left, 1)))
        lines.append(_("≈ from balance readings (no usage log); top-ups are not spend."))
        return lines

    def _log_lines(
        self, today: Decimal | None, burn: Decimal | None, days: Decimal | None
    ) -> list[str]:
        """The figures from the usage log, in its credits (or its money: new-api, LiteLLM)."""
        lines = []
        money = log_unit(self.deck.profile)
        if today is not None and money:
            lines.append(_("Spent today: {amount} {unit}").format(
                amount=number(today, unit_places(money)), unit=money))  # fmt: skip
        elif today is not None:
            lines.append(_("Spent today: {amount} credits").format(amount=number(today)))
        if burn is not None and money:
            lines.append(_("Burn rate: {amount} {unit} a day (last 7 days)").format(
                amount=number(burn, unit_places(money)), unit=money))  # fmt: skip
        elif burn is not None:
            lines.append(
                _("Burn rate: {amount} credits a day (last 7 days)").format(amount=number(burn, 0))
            )
        if days is not None:
            lines.append(_("Days left: {days}").format(days=number(days, 1)))
        elif burn:
            lines.append(_("Days left: unknown (the balance is not in the log's credits)"))
        lines.append(_("From the usage log (F4 shows its rows)."))
        return lines

    def _budget_lines(self) -> list[str]:
        """Today's and this month's spend against the profile's budgets (usage cache)."""
        deck = self.deck
        profile = deck.profile
        if profile.daily_budget is None and profile.monthly_budget is None:
            return []

        db = deck.history.db
        try:
            statuses = budget_status(db, profile, deck.clock.now()) if db else []
        except StoreError:
            return []
        return [budget_sentence(status, profile) for status in statuses]

    def _render_error(self, error: str | None) -> None:
        widget = self.query_one("#balance-error", Static)
        widget.update(_("Could not refresh: {error}").format(error=error) if error else "")
        widget.display = bool(error)
