"""The Models panel: the gateway's /models, type to filter, Enter to chat with one."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from ...base.i18n import N_, _
from ...base.safe import terminal_safe
from ...base.textfmt import number, plain
from ...chat.compare import MAX_MODELS
from ...chat.context import windows_for
from ...gateway import GatewayError, Model
from ..deck import Deck
from ..messages import ModelChosen
from .cells import cell, num


class ModelFilter(Input):
    BINDINGS = [
        Binding("down", "to_table", show=False),
    ]

    def action_to_table(self) -> None:
        self.screen.query_one("#model-table", DataTable).focus()


class ModelsPanel(Vertical):
    BINDINGS = [
        Binding("ctrl+r", "refresh", N_("Refresh"), id="models.refresh"),
        Binding("slash", "search", N_("Search"), id="models.search", show=False),
        Binding("space", "mark", N_("Mark to compare"), id="models.mark"),
        Binding("c", "compare", N_("Compare"), id="models.compare"),
    ]

    models: var[list[Model] | None] = var(None)
    filter_text: var[str] = var("")
    _shown: list[str] = []  # the ids in the table, in its order

    def __init__(self, deck: Deck, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deck = deck

    def compose(self) -> ComposeResult:
        yield ModelFilter(
            placeholder=_("Type to filter models; Enter chats with the highlighted one"),
            id="model-filter",
        )
        yield Static("", id="model-status", markup=False)
        table: DataTable[str] = DataTable(id="model-table", cursor_type="row", zebra_stripes=True)
        table.add_column(_("Model"), key="id")
        table.add_column(_("Owner"), key="owner")
        table.add_column(_("Context"), key="context")
        table.add_column(_("Prompt/token"), key="prompt")
        table.add_column(_("Completion/token"), key="completion")
        yield table

    def activate(self) -> Widget:
        """Load on first show; the widget that should take focus."""
        if self.models is None:
            self.load()
        return self.query_one(ModelFilter)

    def action_refresh(self) -> None:
        self.load()

    def action_search(self) -> None:
        self.query_one(ModelFilter).focus()

    @work(exclusive=True, group="models", exit_on_error=False)
    async def load(self) -> None:
        table = self.query_one("#model-table", DataTable)
        status = self.query_one("#model-status", Static)
        table.loading = True
        status.update(_("Loading models…"))
        try:
            gateway = self.deck.gateway
            self.models = await gateway.models()
            windows_for(gateway).learn(self.models)  # the chat fits its requests to them
        except GatewayError as exc:
            problem = _("Could not load models: {error}").format(error=exc.detail)
            status.update(terminal_safe(problem, multiline=True))
            status.add_class("error")
            self.notify(exc.detail, title=_("Models"), severity="error")
        finally:
            table.loading = False

    def watch_models(self) -> None:
        self._fill()

    @on(Input.Changed, "#model-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip().lower()
        self._fill()

    def _fill(self) -> None:
        if self.models is None:
            return
        table = self.query_one("#model-table", DataTable)
        table.clear()
        words = self.filter_text.split()
        names: dict[str, list[str]] = {}  # [aliases] find their model: `mini` -> gpt-4o-mini
        for alias, target in self.deck.config.aliases.items():
            names.setdefault(target, []).append(alias)
        shown = [
            m for m in self.models
            if all(w in " ".join([m.id, m.owned_by, *names.get(m.id, ())]).lower() for w in words)
        ]  # fmt: skip
        if words:
            shown.sort(key=lambda m: (_rank(m.id.lower(), words[0]), m.id.lower()))
        marked = self.deck.marked_models
        table.add_rows(
            [
                cell(("✓ " if m.id in marked else "") + m.id),
                cell(m.owned_by),
                num(number(m.context_length) if m.context_length else ""),
                num(plain(m.prompt_price) if m.prompt_price is not None else ""),
                num(plain(m.completion_price) if m.completion_price is not None else ""),
            ]
            for m in shown
        )
        self._shown = [m.id for m in shown]
        self._status()

    def _status(self) -> None:
        status = self.query_one("#model-status", Static)
        status.remove_class("error")
        current = self.deck.model or "—"
        typed = self.query_one(ModelFilter).value.strip()
        if self.models is not None and not self.models:
            text = _(
                "The gateway lists no models. Type a model id and press Enter to chat with it "
                "anyway · current: {model}"
            ).format(model=current)
        elif not self._shown and typed:
            text = _("No listed model matches; Enter chats with “{typed}” · current: {model}")
            text = text.format(typed=typed, model=current)
        else:
            text = _("{shown} of {total} models · current: {model}").format(
                shown=len(self._shown), total=len(self.models or []), model=current
            )
        marked = self.deck.marked_models
        if marked:
            said = _("{count} marked to compare (c: compare)")
            text += " · " + said.format(count=len(marked))
        status.update(terminal_safe(text))  # the current model's id

    @on(Input.Submitted, "#model-filter")
    def _choose_highlighted(self, event: Input.Submitted) -> None:
        table = self.query_one("#model-table", DataTable)
        if table.row_count:
            self._choose(table.cursor_row)
        elif typed := event.value.strip():  # an id the list lacks: the one typed
            self.post_message(ModelChosen(typed))

    @on(DataTable.RowSelected, "#model-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._choose(event.cursor_row)

    def _choose(self, index: int) -> None:
        self.post_message(ModelChosen(self._shown[index]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "compare"):  # in the filter, they are typed
            return self.query_one("#model-table", DataTable).has_focus
        return True

    def action_mark(self) -> None:
        """Mark the highlighted model to compare (2 to 4), or unmark it."""

        table = self.query_one("#model-table", DataTable)
        if not table.row_count or not self._shown:
            return
        row = table.cursor_row
        model_id = self._shown[row]
        marked = self.deck.marked_models
        if model_id in marked:
            marked.remove(model_id)
        elif len(marked) >= MAX_MODELS:
            said = _("At most {most} models can be compared: unmark one first.")
            self.notify(said.format(most=MAX_MODELS), severity="warning")
            return
        else:
            marked.append(model_id)
        table.update_cell_at(
            Coordinate(row, 0), cell(("✓ " if model_id in marked else "") + model_id),
            update_width=True,
        )
        self._status()

    def action_compare(self) -> None:
        """To the chat: the prompt typed there goes to the marked models (F7)."""
        count = len(self.deck.marked_models)
        if count < 2:
            said = _("Mark 2 to 4 models first: Space on each.")
            self.notify(said, severity="warning")
            return
        self.app.action_panel("chat")  # type: ignore[attr-defined]
        said = _("{count} models marked: type the prompt and press F7 to compare them.")
        self.notify(said.format(count=count), timeout=5)


def _rank(model_id: str, word: str) -> int:
    """0: the id starts with the word; 1: a part of it does (after - / _ . :); 2: elsewhere."""
    if model_id.startswith(word):
        return 0
    at = model_id.find(word)
    while at > 0:
        if model_id[at - 1] in "-/_.: ":
            return 1
        at = model_id.find(word, at + 1)
    return 2
