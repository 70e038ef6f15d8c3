"""Add or edit a profile (key typed hidden, checked live, saved 0600, never echoed), probe its
gateway, and show a newly created key once (copy with OSC 52, save as a profile)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...base.i18n import N_, _
from ...base.safe import terminal_safe
from ...gateway.client import Gateway
from ...gateway.probe import probe
from ...profiles.config import Config, ConfigError, Profile
from ...profiles.onboarding import check_and_save, spec_for_key
from ...profiles.presets import PRESETS, key_mismatch, profile_table
from ...profiles.probe_text import describe
from ..widgets.keyform import KeyForm

if TYPE_CHECKING:
    from ...gateway.types import GatewaySpec

KEY_SOURCES = ("api_key", "api_key_env", "api_key_cmd")


def preset_for(base_url: str) -> str:
    """The preset whose gateway `base_url` points at, else "custom"."""
    host = base_url.split("://", 1)[-1].split("/", 1)[0]
    for preset in PRESETS.values():
        if preset.base_url and host == preset.base_url.split("://", 1)[-1].split("/", 1)[0]:
            return preset.name
    return "custom"


def preset_for_key(key: str, base_url: str) -> str:
    """The preset for a new key made at `base_url`: the gateway's, unless the key has another
    preset's shape (a demo's account has no URL of its own: its hk-… key is openai-hk's)."""
    chosen = preset_for(base_url) if base_url else "custom"
    other = key_mismatch(PRESETS[chosen], key)
    if other is not None or (not base_url and chosen == "custom"):
        shaped = other or next(
            (p for p in PRESETS.values() if p.key_prefix and key.startswith(p.key_prefix)), None
        )
        if shaped is not None:
            return shaped.name
    return chosen


class ProfileFormScreen(ModalScreen[str | None]):
    """Dismissed with the name of the profile saved, or None."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="profile_form.cancel")]

    def __init__(
        self,
        config: Config,
        profile: Profile | None = None,
        *,
        name: str | None = None,
        base_url: str | None = None,
        key: str = "",
        preset: str | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.config = config  # the profile is saved to it
        self.profile = profile  # editing this one (None: a new profile)
        base = base_url or (profile.base_url if profile else None)
        keep = _("API key (hidden; leave empty to keep the current one)")
        self._form = KeyForm(
            preset=preset or (preset_for(base) if base else "opencodex"),
            name=name or (profile.name if profile else None),
            base_url=base,
            key=key,
            key_hint=keep if profile else None,
            compact=True,
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="profile-form", classes="dialog"):
            title = _("Edit profile {name}").format(name=self.profile.name) if self.profile else (
                _("Add a profile"))  # fmt: skip
            yield Static(title, id="profile-form-title", markup=False)
            yield self._form
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Probe"), id="probe", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)
                yield Button(_("Check and save"), id="save", variant="success", compact=True)
            yield Static("", id="form-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#key").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#form-status", Static)
        status.update(terminal_safe(text, multiline=True))  # a probe's findings, gateway errors
        status.set_class(error, "error")
        self.call_after_refresh(status.scroll_visible, animate=False)  # below the form at 80x24

    # ---- what would be saved -------------------------------------------------------------

    def _table(self) -> tuple[str, dict[str, Any], str]:
        """(name, the profile's config table, the key to use); ConfigError without a key."""
        form = self._form
        name, base, typed = form.values()
        old = dict(self.config.data.get("profiles", {}).get(name, {})) if self.profile else {}
        source = {"api_key": typed} if typed else {k: old[k] for k in KEY_SOURCES if k in old}
        fresh = profile_table(form.preset, base, source)
        table = {k: v for k, v in old.items() if k not in KEY_SOURCES}
        table.update({k: v for k, v in fresh.items() if v not in (None, "")})
        key = typed
        if not key and self.profile is not None:
            secret = self.profile.key()
            key = secret.reveal() if secret is not None else ""
        return name, table, key

    def _spec(self, name: str, table: dict[str, Any], key: str) -> GatewaySpec:
        spec = spec_for_key(name, table["base_url"], key, table)
        return replace(spec, adapter=table.get("adapter"))

    # ---- probe and save ------------------------------------------------------------------

    @on(Button.Pressed, "#probe")
    def _probe_pressed(self) -> None:
        problem = self._form.problem(key_required=self.profile is None)
        if problem:
            self._status(problem, error=True)
            return
        self._probe()

    @work(group="profile-form", exclusive=True, exit_on_error=False)
    async def _probe(self) -> None:
        try:
            name, table, key = self._table()
        except ConfigError as exc:
            self._status(str(exc), error=True)
            return
        self._status(_("Probing {url} (no chat is sent)…").format(url=table["base_url"]))
        async with Gateway(self._spec(name, table, key)) as gateway:
            report = await probe(gateway)
        text = describe(report)
        if report.error is not None:  # the cause first: after the report it was out of sight
            text = report.error.detail + "\n" + text
        self._status(text, error=report.exit_code != 0)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self._form.submit()

    @on(KeyForm.Submitted)
    def _submitted(self, event: KeyForm.Submitted) -> None:
        event.stop()
        problem = event.form.problem(key_required=self.profile is None)
        if problem:
            self._status(problem, error=True)
            return
        self._save()

    @work(group="profile-form", exclusive=True, exit_on_error=False)
    async def _save(self) -> None:
        try:
            name, table, key = self._table()
        except ConfigError as exc:
            self._status(str(exc), error=True)
            return
        self._status(_("Checking the key with {url}…").format(url=table["base_url"]))
        spec = self._spec(name, table, key)
        saved, message = await check_and_save(self.config, name, table, spec, make_default=False)
        if not saved:
            self._status(message, error=True)
            return
        self.app.notify(message, timeout=8)
        self.dismiss(name)


class NewKeyScreen(ModalScreen[str | None]):
    """A key just created, shown this once; dismissed with a profile name if saved as one."""

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="new_key.close"),
        Binding("c", "copy", N_("Copy"), id="new_key.copy"),
        Binding("s", "save", N_("Save as profile"), id="new_key.save"),
    ]

    def __init__(self, config: Config, key: str, source: Profile) -> None:
        super().__init__(classes="dialog-screen")
        self.config, self.key, self.source = config, key, source

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="new-key", classes="dialog"):
            yield Static(_("New API key"), id="new-key-title", markup=False)
            yield Static(terminal_safe(self.key), id="new-key-value", markup=False)
            yield Static(
                _("This key is shown once: copy it (c) or save it as a profile (s) now."),
                classes="dialog-hint",
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Copy (c)"), id="copy")
                yield Button(_("Save as profile (s)"), id="save", variant="primary")
                yield Button(_("Close (Esc)"), id="close")

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.key)
        self.notify(_("Key copied (OSC 52)."), timeout=3)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        names = self.config.profiles
        name = next(f"{self.source.name}-{n}" for n in range(2, 1000)
                    if f"{self.source.name}-{n}" not in names)  # fmt: skip

        def saved(done: str | None) -> None:
            if done:
                self.dismiss(done)

        base = self.source.base_url  # "" for the demo: the preset's own URL is offered
        preset = preset_for_key(self.key, base)
        self.app.push_screen(
            ProfileFormScreen(
                self.config, name=name, base_url=base or None, key=self.key, preset=preset
            ),
            saved,
        )
