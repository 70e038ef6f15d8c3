"""The status line: DEMO marker, profile, current model, balance (coloured when low) and a
warning when a budget is crossed or the balance is below the threshold.

One line-API widget draws the parts side by side (six Labels in a row cost ~5 ms more to style
and paint at start); the model's part takes the room left and ends in … when it is short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ...base.i18n import _
from ...base.safe import terminal_safe
from ..deck import Deck
from .money import balance_text

if TYPE_CHECKING:
    from ...gateway import Balance

# The parts, left to right; "model" takes the room the others leave.
PARTS = ("demo", "brand", "profile", "model", "warning", "balance")
FLEXIBLE = "model"


class StatusBar(Widget):
    DEFAULT_CLASSES = "status-bar"
    COMPONENT_CLASSES = {
        "status-bar--demo",
        "status-bar--brand",
        "status-bar--profile",
        "status-bar--model",
        "status-bar--warning",
        "status-bar--balance",
        "status-bar--balance-low",
        "status-bar--balance-error",
        "status-bar--balance-loading",
    }

    def __init__(self, deck: Deck, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.deck = deck
        self._texts: dict[str, str] = {"brand": "tokendeck"}
        self._balance_marks: set[str] = set()  # low, error, loading


    def text(self, part: str) -> str:
        """What part `part` says ("" when it is not shown)."""
        return self._texts.get(part, "")

    def _put(self, part: str, text: str) -> None:
        text = terminal_safe(text)  # model ids and gateway messages: escapes as ␛ …
        if self._texts.get(part, "") != text:
            self._texts[part] = text
            self.refresh()

    def _mark_balance(self, mark: str, on: bool) -> None:
        if (mark in self._balance_marks) != on:
            self._balance_marks ^= {mark}
            self.refresh()

    def on_mount(self) -> None:
        deck = self.deck
        if deck.demo:
            self._texts["demo"] = _("DEMO")
        self._put("profile", _("profile {name}").format(name=deck.profile.name))
        self.watch(deck, "model", self._show_model)
        self.watch(deck, "balance", self._show_balance)
        self.watch(deck, "balance_error", self._show_balance_error, init=False)
        self.watch(deck, "balance_missing", self._show_balance_missing, init=False)
        self.watch(deck, "balance_loading", self._show_loading, init=False)

    def _show_model(self, model: str) -> None:
        self._put("model", _("model {name}").format(name=model) if model else _("no model chosen"))

    def _show_balance(self, balance: Balance | None) -> None:
        unit = self.deck.profile.unit
        self._put("balance", _("balance …") if balance is None else balance_text(balance, unit))
        self._mark_balance("low", self.deck.is_low(balance))
        self._mark_balance("error", False)
        self.refresh_budgets()

    def refresh_budgets(self) -> None:
        """Warn when today's or this month's spend (from the usage cache) is over its budget,
        or the balance is below the profile's low_balance."""
        deck = self.deck
        profile = deck.profile
        warnings = []
        if profile.daily_budget is not None or profile.monthly_budget is not None:
            from ...spend.budgets import budget_status  # the store: after the first frame
            from ...store import StoreError  # (as above)

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
        self._put("warning", "⚠ " + _(", ").join(warnings) if warnings else "")

    def _show_balance_error(self, error: str | None) -> None:
        if error and self.deck.balance is None:
            self._put("balance", _("balance unavailable"))
            self._mark_balance("error", True)

    def _show_balance_missing(self, missing: str | None) -> None:
        if missing and self.deck.balance is None:
            self._put("balance", _("no balance endpoint"))
            self._mark_balance("error", False)

    def _show_loading(self, loading: bool) -> None:
        self._mark_balance("loading", loading)

    # ---- painting ----------------------------------------------------------------------

    def _style(self, part: str) -> Style:
        style = self.rich_style + self.get_component_rich_style(f"status-bar--{part}")
        if part == "balance":
            for mark in sorted(self._balance_marks):
                style += self.get_component_rich_style(f"status-bar--balance-{mark}")
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0:
            return Strip.blank(width, base)
        shown = [p for p in PARTS if self._texts.get(p) or p == FLEXIBLE]
        fixed = sum(cell_len(self._texts[p]) + 2 for p in shown if p != FLEXIBLE)
        segments: list[Segment] = []
        for part in shown:
            text = self._texts.get(part, "")
            if part == FLEXIBLE:  # a cell of room either side, the rest of the line
                room = max(0, width - fixed - 2)
                if cell_len(text) > room:
                    text = set_cell_size(text, room - 1) + "…" if room else ""
                text = set_cell_size(text, room)
            style = self._style(part)
            pad = Style(color=style.color, bgcolor=style.bgcolor)
            segments += [Segment(" ", pad), Segment(text, style), Segment(" ", pad)]
        return Strip(segments).adjust_cell_length(width, base)
