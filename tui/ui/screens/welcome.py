"""The first start: explore the demo, add a gateway key (checked live), or import the env key."""

from __future__ import annotations

import os

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ...base.i18n import N_, _
from ...profiles.config import DEFAULT_OPENAI_BASE, Config
from ...profiles.onboarding import check_and_save, spec_for_key
from ...profiles.presets import PRESETS, Preset, profile_table
from ..widgets.keyform import KeyForm


class WelcomeScreen(ModalScreen[str | None]):
    """Dismissed with the name of the profile saved, or None to explore the demo."""

    BINDINGS = [Binding("escape", "explore", N_("Explore the demo"), id="welcome.demo")]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config  # the profile chosen is saved to it

    def compose(self) -> ComposeResult:
        env_key = os.environ.get("OPENAI_API_KEY")
        # not a stop of its own for Tab (an invisible focus there ate Enter): focused fields
        # scroll into view
        with VerticalScroll(id="welcome-dialog", can_focus=False):
            yield Static(_("Welcome to tokendeck"), id="welcome-title", markup=False)
            yield Static(
                _(
                    "Chat, models, usage logs and balance for OpenAI-compatible gateways. There "
                    "is no configuration yet: look around with the built-in demo gateway, or add "
                    "your own key now (it is checked before it is saved)."
                ),
                classes="welcome-text",
                markup=False,
            )
            with Horizontal(classes="welcome-choices"):
                yield Button(_("Explore the demo (Esc)"), id="explore")
                yield Button(_("Add my gateway key"), id="add", variant="primary")
                if env_key:
                    yield Button(_("Use OPENAI_API_KEY"), id="env")
            yield KeyForm()
            yield Button(_("Check and save"), id="save", variant="success")
            yield Static("", id="welcome-status", markup=False)

    def on_mount(self) -> None:
        self.query_one(KeyForm).display = False
        self.query_one("#save").display = False
        self.query_one("#add", Button).focus()

    @on(Button.Pressed, "#explore")
    def action_explore(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#add")
    def _show_form(self) -> None:
        self.query_one(".welcome-text").display = False
        self.query_one(".welcome-choices").display = False
        self.query_one(KeyForm).display = True
        self.query_one("#save").display = True
        key = self.query_one("#key", Input)
        self.call_after_refresh(key.focus)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.query_one(KeyForm).submit()

    @on(KeyForm.Submitted)
    def _save(self, event: KeyForm.Submitted) -> None:
        problem = event.form.problem()
        if problem:
            self._status(problem, error=True)
            return
        self._check(event.name, event.base_url, {"api_key": event.key}, event.key, event.preset)

    @on(Button.Pressed, "#env")
    def _use_env(self) -> None:
        base = os.environ.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE
        self._check(
            "env",
            base,
            {"api_key_env": "OPENAI_API_KEY"},
            os.environ.get("OPENAI_API_KEY", ""),
            preset=PRESETS["custom"],
        )

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#welcome-status", Static)
        status.update(text)
        status.set_class(error, "error")
        # below the form at 80x24: brought up to where the eye is (the key just typed)
        self.call_after_refresh(status.scroll_visible, animate=False)

    @work(exclusive=True, group="welcome", exit_on_error=False)
    async def _check(
        self,
        name: str,
        base: str,
        key_source: dict[str, str],
        key: str,
        preset: Preset,
    ) -> None:
        table = profile_table(preset, base, key_source)
        self._status(_("Checking the key with {url}…").format(url=base))
        spec = spec_for_key(name, base, key, table)
        saved, message = await check_and_save(self.config, name, table, spec, make_default=True)
        if not saved:
            self._status(message, error=True)
            return
        self.app.notify(message, timeout=8)
        self.dismiss(name)
