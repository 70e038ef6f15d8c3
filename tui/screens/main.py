"""The main screen: status line, the four panels as tabs, and the footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane

from ..i18n import _
from ..messages import AnswerFinished, ModelChosen
from ..widgets.balance import BalancePanel
from ..widgets.chat import ChatPanel
from ..widgets.models import ModelsPanel
from ..widgets.status import StatusBar
from ..widgets.usage import UsagePanel

PANELS = ("chat", "models", "usage", "balance")


class MainScreen(Screen[None]):
    AUTO_FOCUS = None  # each panel focuses its own widget when shown

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with TabbedContent(initial="chat", id="panels"):
            with TabPane(_("Chat (F2)"), id="chat"):
                yield ChatPanel(id="chat-panel")
            with TabPane(_("Models (F3)"), id="models"):
                yield ModelsPanel(id="models-panel")
            with TabPane(_("Usage (F4)"), id="usage"):
                yield UsagePanel(id="usage-panel")
            with TabPane(_("Balance (F5)"), id="balance"):
                yield BalancePanel(id="balance-panel")
        yield Footer()

    @property
    def active_panel(self) -> str:
        return self.query_one(TabbedContent).active

    def panel(self, name: str) -> Widget:
        return self.query_one(f"#{name}-panel")

    def current_panel_title(self) -> str:
        tabs = self.query_one(TabbedContent)
        pane = tabs.active_pane
        return str(pane._title) if pane is not None else ""

    def show_panel(self, name: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active != name:
            tabs.active = name
        else:
            self._focus_panel(name)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        name = event.pane.id or "chat"
        self._focus_panel(name)

    def _focus_panel(self, name: str) -> None:
        """Focus the shown panel's main widget now (not deferred: a late focus on a hidden
        pane's widget would switch the tabs back)."""
        activate = getattr(self.panel(name), "activate", None)
        target = activate() if activate is not None else None
        if target is not None and self.active_panel == name:
            self.set_focus(target)

    def on_model_chosen(self, message: ModelChosen) -> None:
        message.stop()
        self.app.use_model(message.model)  # type: ignore[attr-defined]
        self.show_panel("chat")

    def on_answer_finished(self, message: AnswerFinished) -> None:
        message.stop()
        if message.charged:
            self.app.refresh_balance()  # type: ignore[attr-defined]
            usage = self.query_one("#usage-panel")
            mark = getattr(usage, "mark_stale", None)
            if mark is not None:
                mark()
