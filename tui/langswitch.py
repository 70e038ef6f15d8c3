"""The app in another language without a restart: binding descriptions, Textual's own texts,
and the screens composed again with the chat kept as it was.

Textual merges a class's BINDINGS once, when the class is defined, and every widget copies
that map; the Footer and the help screen read `Binding.description` from the copies. So a
description is whatever `_()` gave at import time. `localize_bindings` puts each of them into
the current language: the class-level maps (for widgets made from now on) and the copies of
the app and every mounted node (for what is on screen).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from .i18n import N_, _, retranslate, set_language

if TYPE_CHECKING:
    from .app import TokenDeck

# Textual's own texts that users see: the footer's palette key, the palette's system commands.
TEXTUAL_TEXTS = (
    N_("palette"),
    N_("Open the command palette"),
    N_("Search for commands…"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Hide the keys and widget help panel"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _translated(bindings: BindingsMap) -> BindingsMap:
    keys: dict[str, list[Binding]] = {}
    for key, group in bindings.key_to_bindings.items():
        keys[key] = [
            replace(
                b,
                description=retranslate(b.description) if b.description else b.description,
                tooltip=retranslate(b.tooltip) if b.tooltip else b.tooltip,
            )
            for b in group
        ]
    return BindingsMap.from_keys(keys)


def _nodes(app: TokenDeck) -> Iterator[DOMNode]:
    yield app
    for screen in app.screen_stack:
        yield from screen.walk_children(with_self=True)


def localize_bindings(app: TokenDeck) -> None:
    """Every binding description, class-level and live, in the current language."""
    classes: set[type[DOMNode]] = {DOMNode, *_subclasses(DOMNode)}
    for cls in classes:
        merged = cls.__dict__.get("_merged_bindings")
        if merged is not None:
            cls._merged_bindings = _translated(merged)
    for node in _nodes(app):
        node._bindings = _translated(node._bindings)
    for screen in app.screen_stack:
        screen.refresh_bindings()


def localize_commands(commands: Iterable[SystemCommand]) -> list[SystemCommand]:
    """Textual's stock palette commands with their titles and help in the current language."""
    return [c._replace(title=_(c.title), help=_(c.help)) for c in commands]


async def switch_language(app: TokenDeck, code: str) -> bool:
    """Show the app in `code` from now on and save it to the config; False when it must wait
    (an answer is streaming: composing the chat again would cut it off)."""
    from .screens.main import MainScreen

    main = next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)
    chat: Any = main.query_one("#chat-panel") if main is not None else None
    if chat is not None and chat.streaming:
        app.notify(
            _("Stop the answer (Esc) or let it finish, then switch the language."),
            severity="warning",
        )
        return False
    code = set_language(code)
    localize_bindings(app)
    app.config.set("language", code)
    try:
        app.config.save()
    except OSError as exc:
        app.notify(
            _("Could not save the language choice: {error}").format(error=exc.strerror),
            severity="warning",
        )
    for screen in list(app.screen_stack):
        if screen is main and main is not None:
            await _recompose_main(main, chat)
        else:
            await screen.recompose()
    app.notify(_("Language: {name}").format(name=_language_name(code)), timeout=3)
    return True


def _language_name(code: str) -> str:
    from .i18n import LANGUAGE_NAMES

    return LANGUAGE_NAMES.get(code, code)


async def _recompose_main(main: Any, chat: Any) -> None:
    """Compose the main screen again on the same panel, with the same conversation and the
    text typed into the prompt (saved or not)."""
    panel = main.active_panel
    conversation = chat.conversation
    draft = chat.query_one("#prompt").text
    chat._save_draft()
    await main.recompose()
    new_chat = main.query_one("#chat-panel")

    async def restore() -> None:
        if conversation is not None:
            await new_chat.open_conversation(conversation)
        prompt = new_chat.query_one("#prompt")
        prompt.load_text(draft)
        prompt.move_cursor(prompt.document.end)
        main.show_panel(panel)

    new_chat.call_later(restore)
