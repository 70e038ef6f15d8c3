"""The gateway key form: preset, profile name, base URL and a hidden key field (welcome screen and
the profile editor); it checks what was typed and posts it, the screen checks it live."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from ...base.i18n import _
from ...gateway.secret import header_safe
from ...profiles.config import BAD_KEY
from ...profiles.onboarding import shape_warning
from ...profiles.presets import PRESETS, Preset


class KeyForm(Vertical):
    """Posts `KeyForm.Submitted` on Enter in the key field (or `submit()`); never shows the key."""

    @dataclass
    class Submitted(Message):
        """The form was filled in and submitted."""

        form: KeyForm
        name: str
        base_url: str
        key: str
        preset: Preset

    def __init__(
        self,
        *,
        preset: str = "opencodex",
        name: str | None = None,
        base_url: str | None = None,
        key_hint: str | None = None,
        key: str = "",
        compact: bool = False,
        id: str | None = "key-form",
    ) -> None:
        super().__init__(id=id)
        self._compact = compact  # one line per field (fits a dialog at 80x24)
        self._key = key  # a key to offer (a new one, just created): typed in, hidden
        self._preset = preset if preset in PRESETS else "custom"
        self._profile_name = PRESETS[self._preset].name if name is None else name
        self._base = PRESETS[self._preset].base_url if base_url is None else base_url
        self._key_hint = key_hint

    def compose(self) -> ComposeResult:
        yield Label(_("Gateway"))
        yield Select(
            [(_(p.title), p.name) for p in PRESETS.values()],
            value=self._preset,
            allow_blank=False,
            id="preset",
            compact=self._compact,
        )
        yield Label(_("Profile name"))
        name = self._profile_name if self._profile_name != "custom" else ""
        yield Input(name, id="name", compact=self._compact)
        yield Label(_("Base URL"))
        yield Input(
            self._base,
            id="base-url",
            placeholder="https://gateway.example/v1",
            compact=self._compact,
        )
        yield Label(self._key_hint or _("API key (hidden)"))
        yield Input(
            self._key,
            password=True,
            id="key",
            placeholder=self._placeholder(self.preset),
            compact=self._compact,
        )
        yield Static("", id="key-warning", markup=False)

    @property
    def preset(self) -> Preset:
        try:
            value = self.query_one("#preset", Select).value
        except Exception:  # noqa: BLE001 - before compose: the preset it was made with
            value = self._preset
        return PRESETS[str(value)] if isinstance(value, str) else PRESETS["custom"]

    @staticmethod
    def _placeholder(preset: Preset) -> str:
        return f"{preset.key_prefix}…" if preset.key_prefix else _("your API key")

    @on(Select.Changed, "#preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        event.stop()
        preset = self.preset
        if str(event.value) == self._preset and self.query_one("#base-url", Input).value:
            return  # the initial value being set: keep what the form was opened with
        self._preset = preset.name
        self.query_one("#base-url", Input).value = preset.base_url
        self.query_one("#name", Input).value = preset.name if preset.name != "custom" else ""
        self.query_one("#key", Input).placeholder = self._placeholder(preset)
        self._warn()

    def restored(self) -> None:
        """The form was composed again (another language) and its fields given their values
        back: take the preset they show as the one chosen."""
        self._preset = self.preset.name
        self.query_one("#key", Input).placeholder = self._placeholder(self.preset)
        self._warn()

    @on(Input.Changed, "#key")
    def _warn(self) -> None:
        warning = shape_warning(self.preset, self.query_one("#key", Input).value)
        self.query_one("#key-warning", Static).update(warning or "")

    @on(Input.Submitted, "#key")
    def _key_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def values(self) -> tuple[str, str, str]:
        """(name, base URL, key) as typed, trimmed."""
        return (
            self.query_one("#name", Input).value.strip(),
            self.query_one("#base-url", Input).value.strip(),
            self.query_one("#key", Input).value.strip(),
        )

    def problem(self, *, key_required: bool = True) -> str | None:
        """What is missing or wrong before anything is sent, or None."""
        name, base, key = self.values()
        if not name:
            return _("Give the profile a name.")
        if not base.startswith(("http://", "https://")):
            return _("The base URL must start with https:// (or http://).")
        if key_required and not key:
            return _("Paste your API key.")
        if key and not header_safe(key):
            return _(BAD_KEY)
        return None

    def submit(self) -> None:
        name, base, key = self.values()
        self.post_message(self.Submitted(self, name, base, key, self.preset))
