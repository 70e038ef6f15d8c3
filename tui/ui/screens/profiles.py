"""The profiles dashboard: every profile's balance, today's spend, burn rate and days left,
each row refreshed by its own worker; switch, add, edit, probe, and create keys from here."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...base.i18n import N_, _
from ...base.safe import terminal_safe
from ...base.textfmt import number
from ...gateway.client import Gateway
from ...gateway.errors import GatewayError
from ...gateway.families import offers
from ...profiles.config import ConfigError, Profile
from ...profiles.runtime import spec_for
from ...spend import status_cache
from ...spend.money import MONEY_UNITS, unit_label, unit_places
from ...spend.profile_figures import Figures
from ...spend.service import fetch_figures
from ..deck import Deck
from ..widgets.cells import cell
from ..widgets.footer import SteadyFooter
from .dialogs import ConfirmScreen
from .profiles_form import NewKeyScreen, ProfileFormScreen

COLUMNS = ("current", "profile", "family", "balance", "today", "burn", "days")


class ProfilesScreen(Screen[str | None]):
    """Dismissed with the name of the profile to switch to, or None to stay."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="profiles.back"),
        Binding("enter", "use", N_("Use"), id="profiles.use", priority=True),
        Binding("a", "add", N_("Add"), id="profiles.add"),
        Binding("e", "edit", N_("Edit"), id="profiles.edit"),
        Binding("k", "create_key", N_("New key"), id="profiles.create_key"),
        Binding("r,ctrl+r", "refresh", N_("Refresh"), id="profiles.refresh"),
    ]

    def __init__(self, deck: Deck) -> None:
        super().__init__()
        self.deck = deck
        self.figures: dict[str, Figures] = {}

    def compose(self) -> ComposeResult:
        yield Static(_("Profiles"), id="profiles-title", markup=False)
        yield DataTable(id="profiles-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="profiles-detail", markup=False)
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        titles = ("", _("Profile"), _("Family"), _("Balance"), _("Today"), _("Burn/day"),
                  _("Days left"))  # fmt: skip
        for key, title in zip(COLUMNS, titles, strict=True):
            table.add_column(title, key=key)
        self.reload()
        table.focus()

    # ---- rows ----------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        """Every configured profile, and the one in use if the config does not hold it (demo)."""
        deck = self.deck
        found = list(deck.config.profiles.values())
        if deck.profile.name not in deck.config.profiles:
            found.insert(0, deck.profile)
        return found

    def reload(self) -> None:
        """Rebuild the rows and refresh every profile at once, one worker each."""
        self.workers.cancel_group(self, "profiles")
        table = self.query_one(DataTable)
        table.clear()
        current = self.deck.profile.name
        for profile in self.profiles():
            table.add_row(
                "●" if profile.name == current else "",
                profile.name,
                (self.figures.get(profile.name) or Figures(profile.name)).family or "",
                "…",
                "",
                "",
                "",
                key=profile.name,
            )
            self.run_worker(
                self._load(profile), group="profiles", exit_on_error=False, name=profile.name
            )
        self._show_detail()

    async def _load(self, profile: Profile) -> None:
        deck = self.deck
        demo_url = deck.demo_url if profile.demo else None
        try:  # in a thread: an api_key_cmd may take seconds (the dashboard stays live)
            spec = await asyncio.to_thread(spec_for, profile, demo_url)
        except (ConfigError, ValueError) as exc:
            self._show(Figures(profile.name, error=str(exc)))
            return
        found, _code = await fetch_figures(
            profile, spec, deck.history.db, deck.clock.now(), deck.usage
        )
        self._show(found)
        with suppress(OSError):
            status_cache.save(found, deck.clock.now().timestamp())  # `tokendeck status` too

    def _show(self, found: Figures) -> None:
        self.figures[found.profile] = found
        table = self.query_one(DataTable)
        if found.profile not in table.rows:
            return
        cells = {"family": found.family or "", "balance": _balance(found), **_spending(found)}
        for column, value in cells.items():
            table.update_cell(found.profile, column, cell(value), update_width=True)
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        name = self.highlighted
        found = self.figures.get(name) if name else None
        profile = self.deck.config.profiles.get(name or "") or (
            self.deck.profile if name == self.deck.profile.name else None
        )
        detail = self.query_one("#profiles-detail", Static)
        if profile is None:
            detail.update("")
            return
        if found is not None and found.error:
            text = found.error
        elif found is not None and found.no_balance:
            text = found.no_balance
        else:
            offered = offers(spec_for(profile, self.deck.demo_url, key=False))
            text = _("{profile}: usage log {logs} · key creation {keys}").format(
                profile=profile.name,
                logs=_("yes") if offered.usage_log else _("no"),
                keys=_("yes") if offered.key_creation else _("no"),
            )
            if found is not None and found.basis == "balance":
                text += "\n" + _basis_sentence(found)
        detail.update(terminal_safe(text, multiline=True))  # gateway errors
        detail.set_class(bool(found and found.error), "error")

    @property
    def highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    # ---- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_use(self) -> None:
        name = self.highlighted
        self.dismiss(name if name and name != self.deck.profile.name else None)

    def action_refresh(self) -> None:
        self.reload()

    def action_add(self) -> None:
        self.app.push_screen(ProfileFormScreen(self.deck.config), self._saved)

    def action_edit(self) -> None:
        name = self.highlighted
        if not name or name not in self.deck.config.profiles:
            self.notify(_("The demo profile cannot be edited: add your own."), severity="warning")
            return
        edited = ProfileFormScreen(self.deck.config, self.deck.config.profiles[name])
        self.app.push_screen(edited, self._saved)

    def config_changed(self) -> None:
        """config.toml was read again: rows for profiles added or removed elsewhere."""
        table = self.query_one(DataTable)
        if [p.name for p in self.profiles()] != [str(k.value) for k in table.rows]:
            self._saved(self.highlighted)

    def _saved(self, name: str | None) -> None:
        if name:
            self.reload()
            table = self.query_one(DataTable)
            if name in table.rows:
                table.move_cursor(row=table.get_row_index(name))

    def action_create_key(self) -> None:
        name = self.highlighted
        profile = next((p for p in self.profiles() if p.name == name), None)
        if profile is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._create_key(profile)

        self.app.push_screen(
            ConfirmScreen(
                _("Create a new API key on {profile}'s account? It is shown once.").format(
                    profile=profile.name
                ),
                _("Create key"),
            ),
            confirmed,
        )

    @work(group="create-key", exclusive=True, exit_on_error=False)
    async def _create_key(self, profile: Profile) -> None:
        try:
            async with Gateway(spec_for(profile, self.deck.demo_url)) as gateway:
                key = await gateway.create_key()
        except (GatewayError, ConfigError, ValueError) as exc:
            message = exc.detail if isinstance(exc, GatewayError) else str(exc)
            self.notify(message, title=_("New key"), severity="error", timeout=8)
            return
        self.app.push_screen(NewKeyScreen(self.deck.config, key, profile), self._saved)


def _balance(found: Figures) -> str:
    if found.unlimited:
        return _("unlimited")
    if found.balance is None:
        if found.no_balance:
            return _("no balance endpoint")
        return _("error") if found.error else "—"
    return _("{amount} {unit}").format(
        amount=number(found.balance, unit_places(found.unit)), unit=unit_label(found.unit)
    )


def _spending(found: Figures) -> dict[str, str]:
    """The today/burn/days cells: exact from the usage log; from balance readings (no log)
    in the balance's unit and marked ≈."""
    estimated = found.basis == "balance"
    # in money (readings, or a log counted in USD: new-api, LiteLLM): cents, not whole credits
    money = unit_places(found.unit) if estimated or found.unit in MONEY_UNITS else None
    values = {
        "today": number(found.today, money) if found.today is not None else None,
        "burn": number(found.burn, 0 if money is None else money)
        if found.burn is not None
        else None,
        "days": number(found.days_left, 1) if found.days_left is not None else None,
    }
    mark = _("≈{amount}") if estimated else "{amount}"
    return {k: "—" if v is None else mark.format(amount=v) for k, v in values.items()}


def _basis_sentence(found: Figures) -> str:
    """Where a row's figures come from when the gateway keeps no usage log."""
    if found.burn is None:
        return _(
            "≈ from balance readings (no usage log): not enough history yet for a burn rate "
            "(readings over at least an hour)."
        )
    return _(
        "≈ from balance readings (no usage log): what the balance fell by; top-ups are not "
        "counted as spend."
    )
