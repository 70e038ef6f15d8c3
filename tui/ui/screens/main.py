"""The main screen: status line, the four panels as tabs, and the footer."""

from __future__ import annotations

import asyncio
from importlib import import_module

from textual import events
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.widget import AwaitMount, Widget

from ...base.i18n import _
from ..deck import Deck
from ..messages import AnswerFinished, ModelChosen
from ..patches.first_restyle import StyledOnce
from ..widgets.chat import ChatPanel
from ..widgets.footer import SteadyFooter
from ..widgets.status import StatusBar
from ..widgets.tabbar import PanelTabs

PANELS = ("chat", "models", "usage", "balance")
# The panels not shown at start are imported and mounted when first shown (a faster start).
LATER = {
    "models": ("..widgets.models", "ModelsPanel"),
    "usage": ("..widgets.usage", "UsagePanel"),
    "balance": ("..widgets.balance", "BalancePanel"),
}


def titles() -> list[tuple[str, str]]:
    return [("chat", _("Chat (F2)")), ("models", _("Models (F3)")),
            ("usage", _("Usage (F4)")), ("balance", _("Balance (F5)"))]  # fmt: skip


class MainScreen(StyledOnce):
    AUTO_FOCUS = None  # each panel focuses its own widget when shown

    def __init__(self, deck: Deck) -> None:
        super().__init__()
        self.deck = deck  # handed to each panel

    def compose(self) -> ComposeResult:
        self._mounting: dict[str, AwaitMount] = {}
        self._held: list[events.Key] = []  # typed while a panel is being shown, for it
        self._switching = False  # between a panel key and the focus on the new panel
        yield StatusBar(self.deck)
        yield PanelTabs(titles(), "chat", id="panel-tabs")
        # The panels sit one above the other, only the active one displayed.
        yield ChatPanel(self.deck, id="chat-panel", classes="panel")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._focus_panel(self.active_panel)

    async def recompose(self) -> None:
        await super().recompose()
        if self.app.screen is not self:
            # Under another screen (the language switch) this one is drawn as its background
            # from its last layout, which still holds the widgets just removed: lay it out now.
            self.lay_out_now()
        if self.app.screen is self:  # a screen on top keeps the focus (the language switch)
            self._focus_panel(self.active_panel)

    @property
    def active_panel(self) -> str:
        return self.query_one(PanelTabs).active

    def panel(self, name: str) -> Widget:
        """The panel's widget; mounted now if it was not shown yet (its children follow)."""
        found = self.query(f"#{name}-panel")
        if found:
            return found.first()
        module, cls = LATER[name]
        self.deck.load_styles()
        widget: Widget = getattr(import_module(module, __package__), cls)(
            self.deck, id=f"{name}-panel", classes="panel"
        )
        widget.display = name == self.active_panel
        self._mounting[name] = self.mount(widget, before=self.query_one(SteadyFooter))
        return widget

    def panel_ready(self, name: str) -> AwaitComplete:
        """Await this before using a panel's children: it is mounted (and composed)."""
        self.panel(name)
        mounting = self._mounting.get(name)

        async def ready() -> None:
            if mounting is not None:
                await mounting
                self._mounting.pop(name, None)

        return AwaitComplete(ready())

    def current_panel_title(self) -> str:
        return self.query_one(PanelTabs).title(self.active_panel)

    def show_panel(self, name: str) -> None:
        shown = self.panel(name)
        tabs = self.query_one(PanelTabs)
        if tabs.active == name:
            self._focus_panel(name)
            return
        # Not even for a moment may a widget of the panel about to be hidden keep the focus
        # (hidden, Textual would hand it to a neighbour there).
        self.set_focus(None)
        tabs.active = name
        for widget in self.query(".panel"):
            widget.display = widget is shown
        if name not in self._mounting:  # shown before (or composed with the screen)
            self._focus_panel(name)
            return

        async def when_mounted() -> None:
            await self.panel_ready(name)
            self._focus_panel(name)
            self._replay_held()

        self._switching = True  # keys typed meanwhile are held for the panel
        self.call_next(when_mounted)

    def on_panel_tabs_clicked(self, event: PanelTabs.Clicked) -> None:
        event.stop()
        self.show_panel(event.name)

    def on_key(self, event: events.Key) -> None:
        """A key that reaches the screen while a panel is being shown (nothing has the focus
        meanwhile, and a panel shown the first time is still mounting) was typed for that
        panel: hold it, it is sent again once the panel has the focus (a burst such as F4 /
        g p t would otherwise lose the filter)."""
        if self._switching and self.focused is None:
            event.stop()
            event.prevent_default()
            self._held.append(event)

    def _replay_held(self) -> None:
        """Send the held keys again, each after the last was handled and painted: a key the
        app forwards goes to whatever has the focus then, so a "/" that focuses a filter must
        have acted before the letters after it are forwarded."""
        self._switching = False
        held, self._held = self._held, []

        async def replay() -> None:
            for key in held:
                again = events.Key(key.key, key.character)
                again.set_sender(self.app)
                self.app.post_message(again)
                handled = asyncio.get_running_loop().create_future()
                self.app.call_after_refresh(handled.set_result, None)
                await handled

        if held:
            self.run_worker(replay(), group="type-ahead", exit_on_error=False)

    def _focus_panel(self, name: str) -> None:
        """Focus the shown panel's main widget now (not deferred: a late focus on a hidden
        pane's widget would switch the tabs back)."""
        activate = getattr(self.panel(name), "activate", None)
        target = activate() if activate is not None else None
        if target is not None and self.active_panel == name:
            self.set_focus(target)

    def on_model_chosen(self, message: ModelChosen) -> None:
        message.stop()
        self.deck.use_model(message.model)
        self.show_panel("chat")

    def on_answer_finished(self, message: AnswerFinished) -> None:
        message.stop()
        if message.charged:
            self.deck.refresh_balance()
            for usage in self.query("#usage-panel"):  # not there until first shown
                mark = getattr(usage, "mark_stale", None)
                if mark is not None:
                    mark()
