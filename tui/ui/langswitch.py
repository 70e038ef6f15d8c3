"""The app in another language without a restart: binding descriptions, Textual's own texts,
and the screens composed again with the chat kept as it was.

Textual merges a class's BINDINGS once, when the class is defined, and every widget copies
that map; the Footer and the help screen read `Binding.description` from the copies. So a
description is whatever `_()` gave at import time. `localize_bindings` puts each of them into
the current language: the class-level maps (for widgets made from now on) and the copies of
the app and every mounted node (for what is on screen); a class defined later (a panel
imported when first shown) has its map translated as it is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.widgets import Input, TextArea

from ..base.i18n import (
    LANGUAGE_NAMES,
    N_,
    _,
    current_language,
    msgid_of,
    on_language_change,
    set_language,
    translated_anything,
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


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# (key, action, id, text shown) -> the msgid it was made from. Several msgids can share one
# translation ("Range" and "Where" are both 范围), so a text alone cannot say what to show
# in the next language; each binding remembers its own msgid from the first time it is seen
# (the app's modules are imported in English, so that first text is the msgid itself).
_origins: dict[tuple[str, str, str | None, str], str] = {}


def _again(b: Binding, text: str) -> str:
    origin = _origins.get((b.key, b.action, b.id, text)) or msgid_of(text)
    shown = _(origin)
    _origins[(b.key, b.action, b.id, shown)] = origin
    return shown


def _translated(bindings: BindingsMap) -> BindingsMap:
    keys: dict[str, list[Binding]] = {}
    for key, group in bindings.key_to_bindings.items():
        keys[key] = [
            replace(
                b,
                description=_again(b, b.description) if b.description else b.description,
                tooltip=_again(b, b.tooltip) if b.tooltip else b.tooltip,
            )
            for b in group
        ]
    return BindingsMap.from_keys(keys)


def _nodes(app: Deck) -> Iterator[DOMNode]:
    yield app
    for screen in app.screen_stack:
        yield from screen.walk_children(with_self=True)


def _localize_classes() -> None:
    """The class-level binding maps each new widget copies, in the current language."""
    if current_language() == "en" and not translated_anything():
        return  # English msgids everywhere already: nothing to do (the usual start)
    classes: set[type[DOMNode]] = {DOMNode, *_subclasses(DOMNode)}
    for cls in classes:
        merged = cls.__dict__.get("_merged_bindings")
        if merged is not None:
            cls._merged_bindings = _translated(merged)


on_language_change(lambda _code: _localize_classes())


def _localize_new_classes() -> None:
    """Classes defined from now on (panels are imported when first shown) merge their
    BINDINGS from the literals of their Textual bases, in English: translate each new map
    as the class is made."""
    made = DOMNode.__dict__["__init_subclass__"].__func__

    def init_subclass(cls: type[DOMNode], **kwargs: Any) -> None:
        made(cls, **kwargs)
        merged = cls.__dict__.get("_merged_bindings")
        if merged is not None and (current_language() != "en" or translated_anything()):
            cls._merged_bindings = _translated(merged)

    DOMNode.__init_subclass__ = classmethod(init_subclass)  # type: ignore[assignment]


_localize_new_classes()


def localize_bindings(app: Deck) -> None:
    """Every binding description, class-level and live, in the current language."""
    if current_language() == "en" and not translated_anything():
        return
    _localize_classes()
    for node in _nodes(app):
        node._bindings = _translated(node._bindings)
    for screen in app.screen_stack:
        screen.refresh_bindings()


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
    localize_bindings(app)
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
    from textual.widgets import Select  # not imported for the first frame (~3.5 ms)

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
