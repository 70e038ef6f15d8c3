"""The app in another language without a restart: Textual's own texts, and the screens composed
again with the chat kept as it was.

Binding descriptions stay msgids (`N_`): the footer and the help screen translate them as they
paint (`tui.base.i18n.shown`), so nothing of Textual's classes is patched and a new language
needs only a repaint. Textual's own widgets' descriptions are msgids too (listed below for the
catalog).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import SystemCommand
from textual.widgets import Input, Select, TextArea

from ..base.i18n import (
    LANGUAGE_NAMES,
    N_,
    _,
    set_language,
)
from .deck import Deck
from .screens.main import MainScreen
from .widgets.chat import ChatPanel

# Textual's own texts that users see: the footer's palette key, the palette's commands, and
# (below) the binding descriptions of its widgets.
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
    # descriptions of the bindings of Textual's widgets we use, listed by the help screen (F1)
    N_("Cursor up"),
    N_("Cursor down"),
    N_("Cursor left"),
    N_("Cursor right"),
    N_("Cursor line start"),
    N_("Cursor line end"),
    N_("Cursor page up"),
    N_("Cursor page down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Cursor word left"),
    N_("Cursor word right"),
    N_("Cursor left word select"),
    N_("Cursor right word select"),
    N_("Cursor line start select"),
    N_("Cursor line end select"),
    N_("Cursor up select"),
    N_("Cursor down select"),
    N_("Cursor left select"),
    N_("Cursor right select"),
    N_("Select line"),
    N_("Select all"),
    N_("Delete character left"),
    N_("Delete left to start of word"),
    N_("Delete character right"),
    N_("Delete right to start of word"),
    N_("Cut"),
    N_("Copy"),
    N_("Paste"),
    N_("Delete to line start"),
    N_("Delete to line end"),
    N_("Delete line"),
    N_("Undo"),
    N_("Redo"),
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Move cursor left"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Submit"),
    N_("Delete all to the left"),
    N_("Delete all to the right"),
    N_("Cut selected text"),
    N_("Copy selected text"),
    N_("Paste text from the clipboard"),
    N_("Home"),
    N_("End"),
    N_("Page up"),
    N_("Page down"),
    N_("Select"),
    N_("Top"),
    N_("Bottom"),
    N_("Up"),
    N_("Down"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("First"),
    N_("Last"),
    N_("Previous tab"),
    N_("Next tab"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Focus Next"),
    N_("Focus Previous"),
)


def localize_commands(commands: Iterable[SystemCommand]) -> list[SystemCommand]:
    """Textual's stock palette commands with their titles and help in the current language."""
    return [c._replace(title=_(c.title), help=_(c.help)) for c in commands]


async def switch_language(app: Deck, code: str) -> bool:
    """Show the app in `code` from now on and save it to the config; False when it must wait
    (an answer is streaming: composing the chat again would cut it off)."""
    main = next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)
    chat = main.query_one("#chat-panel", ChatPanel) if main is not None else None
    if chat is not None and chat.streaming:
        app.notify(
            _("Stop the answer (Esc) or let it finish, then switch the language."),
            severity="warning",
        )
        return False
    code = set_language(code)
    app.save_setting("language", code, _("Could not save the language choice: {error}"))
    for screen in list(app.screen_stack):
        if screen is main and main is not None and chat is not None:
            await _recompose_main(main, chat)
        else:
            await recompose_keeping_input(screen)
    app.notify(_("Language: {name}").format(name=_language_name(code)), timeout=3)
    return True


async def recompose_keeping_input(screen: Any) -> None:
    """Compose `screen` again in the current language with what its user had done to it kept:
    typed text, choices, which parts were shown and which field had focus.

    The screen composes the same tree in any language, so the new widgets are matched to the
    old ones by position (and type); a screen whose tree does not match keeps what matches.
    Widgets that hold state of their own besides their children's values get a call to
    `restored()` afterwards.
    """

    before = list(screen.walk_children(with_self=False))
    focused = screen.focused
    await screen.recompose()
    after = list(screen.walk_children(with_self=False))
    for old, new in zip(before, after, strict=False):
        if type(old) is not type(new) or old.id != new.id:
            break
        if old.styles.inline.has_rule("display"):  # shown or hidden by the screen's code
            new.styles.display = old.styles.inline.display
        with new.prevent(Input.Changed, Select.Changed, TextArea.Changed):
            if isinstance(old, Select):
                new.value = old.value
            elif isinstance(old, Input):
                new.value = old.value
                new.selection = old.selection
            elif isinstance(old, TextArea):
                new.load_text(old.text)
                new.move_cursor(old.cursor_location)
        if old is focused:
            _focus_where_it_was(new)
    for widget in after:
        restored = getattr(widget, "restored", None)
        if callable(restored):
            restored()


def _focus_where_it_was(widget: Any) -> None:
    """Focus `widget` without an Input selecting all its text (the next key would replace
    what was typed): the Focus event goes into the widget's queue now, and the callback that
    turns select-on-focus back on is queued behind it."""
    select_on_focus = getattr(widget, "select_on_focus", False)
    if select_on_focus:
        widget.select_on_focus = False
    widget.screen.set_focus(widget)
    if select_on_focus:
        widget.call_later(setattr, widget, "select_on_focus", True)


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


async def _recompose_main(main: MainScreen, chat: ChatPanel) -> None:
    """Compose the main screen again on the same panel, with the same conversation and the
    text typed into the prompt (saved or not)."""
    panel = main.active_panel
    conversation = chat.conversation
    draft = chat.query_one("#prompt", TextArea).text
    chat.save_draft()
    await main.recompose()
    new_chat = main.query_one("#chat-panel", ChatPanel)

    async def restore() -> None:
        if conversation is not None:
            await new_chat.open_conversation(conversation)
        prompt = new_chat.query_one("#prompt", TextArea)
        prompt.load_text(draft)
        prompt.move_cursor(prompt.document.end)
        main.show_panel(panel)

    new_chat.call_later(restore)
