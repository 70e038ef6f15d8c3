"""Command-palette entries: short, namespaced, one for each action reachable by key."""

from __future__ import annotations

from textual.app import SystemCommand

from ..base.i18n import LANGUAGE_NAMES, _, current_language
from .deck import Deck
from .langswitch import switch_language
from .screens.main import MainScreen
from .widgets.chat import ChatPanel


def system_commands(app: Deck) -> list[SystemCommand]:
    def panel(name: str) -> SystemCommand:
        titles = {
            "chat": _("Chat"),
            "models": _("Models"),
            "usage": _("Usage"),
            "balance": _("Balance"),
        }
        return SystemCommand(
            _("panel: {name}").format(name=titles[name]),
            _("Show the {name} panel").format(name=titles[name]),
            lambda: app.run_action(f"panel('{name}')"),
        )

    return [
        panel("chat"),
        panel("models"),
        panel("usage"),
        panel("balance"),
        SystemCommand(
            _("chat: new conversation"),
            _("Start an empty conversation"),
            lambda: _on_chat(app, "new_chat"),
        ),
        SystemCommand(
            _("chat: compare models"),
            _("Send the prompt to the models marked in the Models panel, side by side (F7)"),
            lambda: _on_chat(app, "compare"),
        ),
        SystemCommand(
            _("chat: parameters"),
            _("System prompt, model, temperature, top_p, max_tokens, stop"),
            lambda: _on_chat(app, "params"),
        ),
        SystemCommand(
            _("chat: attach a file"),
            _("Send a text file or an image with the next message (Ctrl+B; or paste its path)"),
            lambda: _on_chat(app, "attach"),
        ),
        SystemCommand(
            _("chat: drop attached files"),
            _("The next message goes without the files attached so far"),
            lambda: _on_chat(app, "drop_files"),
        ),
        SystemCommand(
            _("chat: edit the draft in $EDITOR"),
            _("Write the message in your editor; the app waits and takes the text back (Ctrl+S)"),
            lambda: _on_chat(app, "editor"),
        ),
        *_templates(app),
        SystemCommand(
            _("chat: copy last answer"),
            _("Copy the last answer (OSC 52)"),
            lambda: _on_chat(app, "copy_answer"),
        ),
        SystemCommand(
            _("chat: copy last code block"),
            _("Copy the last code block (OSC 52)"),
            lambda: _on_chat(app, "copy_code"),
        ),
        SystemCommand(
            _("model: refresh list"),
            _("Load the gateway's models again"),
            lambda: _on_panel(app, "models", "refresh"),
        ),
        SystemCommand(
            _("usage: reload logs"),
            _("Load every usage-log page again"),
            lambda: _on_panel(app, "usage", "refresh"),
        ),
        SystemCommand(
            _("balance: refresh"),
            _("Ask the gateway for the balance now"),
            lambda: app.refresh_balance(announce=True),
        ),
        SystemCommand(
            _("profiles: dashboard"),
            _("Every profile's balance, spend and days left; switch, add, edit, new key (F6)"),
            lambda: app.run_action("profiles"),
        ),
        SystemCommand(
            _("chat: request id of the last answer"),
            _("Show and copy the gateway's request id (it joins the answer to its log row)"),
            lambda: _request_id(app),
        ),
        *_languages(app),
    ]


def _templates(app: Deck) -> list[SystemCommand]:
    """One entry per [templates.NAME] of the config: apply it to the conversation."""

    def entry(name: str) -> SystemCommand:
        template = app.config.templates[name]
        return SystemCommand(
            _("template: {name}").format(name=name),
            template.summary() or _("Apply this template to the conversation"),
            lambda: _on_chat(app, f"template({name!r})"),
        )

    return [entry(name) for name in sorted(app.config.templates)]


LANGUAGE_WORDS = ("language", "语言")  # what a user types for the switch, in either language


def _languages(app: Deck) -> list[SystemCommand]:
    """One entry for each language the app is not shown in now, named in that language."""
    def switch(code: str) -> SystemCommand:
        async def run() -> None:
            await switch_language(app, code)

        title = _("language: {name}").format(name=LANGUAGE_NAMES[code])
        # found by the word in either language ("language", "语言"), whichever is shown
        title += "".join(f" · {word}" for word in LANGUAGE_WORDS if word not in title)
        return SystemCommand(
            title,
            _("Show tokendeck in {name} (saved to the config)").format(name=LANGUAGE_NAMES[code]),
            run,  # the palette awaits it (call_later)
        )

    return [switch(code) for code in LANGUAGE_NAMES if code != current_language()]


def _on_chat(app: Deck, action: str) -> None:
    _on_panel(app, "chat", action)


def _on_panel(app: Deck, panel: str, action: str) -> None:
    screen = app.screen
    if isinstance(screen, MainScreen):
        screen.show_panel(panel)

        async def run() -> None:
            await screen.panel_ready(panel)  # a panel not shown before is mounted just now
            await screen.panel(panel).run_action(action)

        app.call_later(run)


def _request_id(app: Deck) -> None:
    screen = app.screen
    panel = screen.panel("chat") if isinstance(screen, MainScreen) else None
    conversation = panel.conversation if isinstance(panel, ChatPanel) else None
    turns = conversation.turns if conversation is not None else []
    found = [t.request_id for t in turns if t.role == "assistant" and t.request_id]
    if not found or not isinstance(panel, ChatPanel):
        app.notify(_("No answer with a request id in this conversation yet."), severity="warning")
        return
    panel.copy_request_id(found[-1], _("Last answer"))  # the same words as `i` on an answer
