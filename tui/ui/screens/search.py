"""Search every conversation (SQLite FTS5): type to search, Enter opens the chat at the match."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...base.i18n import N_, _, ngettext
from ...base.textfmt import truncate
from ...chat.history import History
from ...store import SearchHit


@dataclass(frozen=True)
class SearchChoice:
    """The message chosen in the search dialog."""

    conversation_id: int
    message_id: int
    position: int


def snippet_text(hit: SearchHit) -> Text:
    """A hit as two lines: title and date, then the snippet with «matches» highlighted."""
    text = Text(no_wrap=True, overflow="ellipsis")
    title = hit.conversation_title or _("(untitled)")
    text.append(truncate(title, 50), style="bold")
    text.append(f"  {hit.created.astimezone():%Y-%m-%d} · {hit.role}\n", style="dim")
    parts = hit.snippet.split("«")
    text.append(parts[0])
    for part in parts[1:]:
        found, _sep, rest = part.partition("»")
        text.append(found, style="reverse")
        text.append(rest)
    return text


class SearchScreen(ModalScreen[SearchChoice | None]):
    BINDINGS = [
        Binding("escape", "cancel", N_("Close"), id="search.close"),
        Binding("down", "to_results", show=False),
    ]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog"):
            yield Static(_("Search all conversations"), id="search-title", markup=False)
            yield Input(
                placeholder=_("Words to find; Enter opens the highlighted match"), id="search-input"
            )
            yield Static("", id="search-status", markup=False)
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-input")
    def _search(self, event: Input.Changed) -> None:
        query = event.value.strip()
        self.hits = self.history.search(query) if query else []
        results = self.query_one(OptionList)
        results.set_options(Option(snippet_text(h), id=str(i)) for i, h in enumerate(self.hits))
        if self.hits:
            results.highlighted = 0
        status = self.query_one("#search-status", Static)
        if not query:
            status.update("")
        elif self.hits:
            count = len(self.hits)
            status.update(ngettext("{count} match", "{count} matches", count).format(count=count))
        else:
            status.update(_("No match for “{query}”.").format(query=query))

    @on(Input.Submitted, "#search-input")
    def _open_first(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None and self.hits:
            self._choose(results.highlighted)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int) -> None:
        hit = self.hits[index]
        self.dismiss(SearchChoice(hit.conversation_id, hit.message_id, hit.position))

    def action_to_results(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
