"""The chat-parameters dialog: a template to start from, system prompt, model (an alias works),
temperature, top_p, max_tokens, stop."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from ...base.i18n import N_, _
from ...chat.conversation import Settings
from ...chat.presets import with_template
from ...profiles.templates import Template, resolve_model


class ParamsScreen(ModalScreen[Settings | None]):
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="params.cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="params.save"),
    ]

    def __init__(
        self,
        settings: Settings,
        templates: Mapping[str, Template] | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.templates = dict(templates or {})
        self.aliases = dict(aliases or {})
        self.prefix = ""  # the prompt prefix of the template chosen here, if any

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(id="params-dialog"):
            yield Static(_("Chat parameters (this conversation)"), id="params-title", markup=False)
            with VerticalScroll():
                if self.templates:
                    yield Label(_("Template (fills the fields below)"))
                    yield Select(
                        [(f"{name} — {t.summary()}" if t.summary() else name, name)
                         for name, t in sorted(self.templates.items())],
                        prompt=_("none"), id="template",
                    )  # fmt: skip
                yield Label(
                    _("Model (an alias works: {aliases})").format(aliases=", ".join(self.aliases))
                    if self.aliases
                    else _("Model")
                )
                yield Input(s.model, id="model")
                yield Label(_("System prompt"))
                yield TextArea(s.system, id="system", soft_wrap=True, tab_behavior="focus")
                with Horizontal(classes="row"):
                    with Vertical():
                        yield Label(_("Temperature (0–2)"))
                        yield Input(_fmt(s.temperature), id="temperature", placeholder=_("default"))
                    with Vertical():
                        yield Label(_("top_p (0–1)"))
                        yield Input(_fmt(s.top_p), id="top_p", placeholder=_("default"))
                    with Vertical():
                        yield Label(_("max_tokens"))
                        yield Input(_fmt(s.max_tokens), id="max_tokens", placeholder=_("default"))
                yield Label(_("Stop sequences (one per line)"))
                yield TextArea("\n".join(s.stop), id="stop", tab_behavior="focus")
            yield Static("", id="params-error", markup=False)
            with Horizontal(id="params-buttons"):
                yield Button(_("Save (Ctrl+S)"), variant="primary", id="save")
                yield Button(_("Cancel (Esc)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#model", Input).focus()

    @on(Select.Changed, "#template")
    def _template_chosen(self, event: Select.Changed) -> None:
        template = self.templates.get(str(event.value))
        if template is None:
            return
        s = with_template(self.settings, template, self.aliases)
        self.prefix = template.prefix
        self.query_one("#model", Input).value = s.model
        self.query_one("#system", TextArea).load_text(s.system)
        self.query_one("#temperature", Input).value = _fmt(s.temperature)
        self.query_one("#top_p", Input).value = _fmt(s.top_p)
        self.query_one("#max_tokens", Input).value = _fmt(s.max_tokens)
        self.query_one("#stop", TextArea).load_text("\n".join(s.stop))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            settings = self._read()
        except ValueError as exc:
            self.query_one("#params-error", Static).update(str(exc))
            return
        self.dismiss(settings)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _read(self) -> Settings:
        def number(field: str, low: float, high: float) -> float | None:
            text = self.query_one(f"#{field}", Input).value.strip()
            if not text:
                return None
            try:
                value = float(text)
            except ValueError:
                raise ValueError(_("{field} must be a number").format(field=field)) from None
            if not low <= value <= high:
                raise ValueError(
                    _("{field} must be from {low:g} to {high:g}").format(
                        field=field, low=low, high=high
                    )
                )
            return value

        model = resolve_model(self.query_one("#model", Input).value, self.aliases)
        if not model:
            raise ValueError(_("model must not be empty"))
        max_text = self.query_one("#max_tokens", Input).value.strip()
        max_tokens = None
        if max_text:
            if not max_text.isdigit() or int(max_text) <= 0:
                raise ValueError(_("max_tokens must be a positive whole number"))
            max_tokens = int(max_text)
        stop = tuple(line for line in self.query_one("#stop", TextArea).text.splitlines() if line)
        return replace(
            self.settings,
            model=model,
            system=self.query_one("#system", TextArea).text.strip(),
            temperature=number("temperature", 0, 2),
            top_p=number("top_p", 0, 1),
            max_tokens=max_tokens,
            stop=stop,
        )


def _fmt(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"
