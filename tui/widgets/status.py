"""The status line: DEMO marker, profile, current model, balance (coloured when low) and a
warning when a budget is crossed or the balance is below the threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from ..gateway import Balance
from ..i18n import _
from .money import balance_text

if TYPE_CHECKING:
    from ..app import TokenDeck


class StatusBar(Horizontal):
    DEFAULT_CLASSES = "status-bar"

    @property
    def deck(self) -> TokenDeck:
        return cast("TokenDeck", self.app)

    def compose(self) -> ComposeResult:
        deck = self.deck
        if deck.demo:
            yield Label(_("DEMO"), id="demo-badge")
        yield Label("tokendeck", id="brand")
        yield Label("", id="profile", markup=False)
        yield Label("", id="model", markup=False)
        yield Label("", id="budget-warning", markup=False)
        yield Label("", id="balance", markup=False)

    def on_mount(self) -> None:
        deck = self.deck
        self.query_one("#profile", Label).update(_("profile {name}").format(name=deck.profile.name))
        self.watch(deck, "model", self._show_model)
        self.watch(deck, "balance", self._show_balance)
        self.watch(deck, "balance_error", self._show_balance_error, init=False)
        self.watch(deck, "balance_loading", self._show_loading, init=False)
        self.query_one("#budget-warning").display = False

    def _show_model(self, model: str) -> None:
        self.query_one("#model", Label).update(
            _("model {name}").format(name=model) if model else _("no model chosen")
        )

    def _show_balance(self, balance: Balance | None) -> None:
        label = self.query_one("#balance", Label)
        unit = self.deck.profile.unit
        label.update(_("balance …") if balance is None else balance_text(balance, unit))
        label.set_class(self.deck.is_low(balance), "low")
        label.remove_class("error")
        self.refresh_budgets()

    def refresh_budgets(self) -> None:
        """Warn when today's or this month's spend (from the usage cache) is over its budget,
        or the balance is below the profile's low_balance."""
        deck = self.deck
        profile = deck.profile
        warnings = []
        if profile.daily_budget is not None or profile.monthly_budget is not None:
            from ..budgets import budget_status
            from ..store import StoreError

            db = deck.history.db
            try:
                statuses = budget_status(db, profile, deck.clock.now()) if db else []
            except StoreError:
                statuses = []
            for status in statuses:
                if status.over:
                    warnings.append(
                        _("over daily budget") if status.period == "day"
                        else _("over monthly budget")
                    )  # fmt: skip
        if deck.is_low(deck.balance):
            warnings.append(_("low balance"))
        label = self.query_one("#budget-warning", Label)
        label.update("⚠ " + _(", ").join(warnings) if warnings else "")
        label.display = bool(warnings)

    def _show_balance_error(self, error: str | None) -> None:
        label = self.query_one("#balance", Label)
        if error and self.deck.balance is None:
            label.update(_("balance unavailable"))
            label.add_class("error")

    def _show_loading(self, loading: bool) -> None:
        self.query_one("#balance", Label).set_class(loading, "loading")
