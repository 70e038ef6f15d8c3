"""The Usage panel: the gateway's paged usage logs in a table, with filters, sorting and totals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from ...gateway import GatewayError, LogRow
from ...i18n import _
from ...textfmt import number
from ..cells import cell, num

if TYPE_CHECKING:
    from ...app import TokenDeck

ALL_MODELS = "__all__"
COLUMNS = ("time", "model", "prompt", "completion", "credits", "balance", "reqid")


def _sort_key(column: str) -> Callable[[LogRow], Any]:
    keys = {
        "time": lambda r: r.ctime,
        "model": lambda r: r.model.lower(),
        "prompt": lambda r: r.prompt_tokens,
        "completion": lambda r: r.completion_tokens,
        "credits": lambda r: r.fen,
        "balance": lambda r: r.yufen,
        "reqid": lambda r: r.reqid,
    }
    return keys[column]


class UsagePanel(Vertical):
    BINDINGS = [
        Binding("ctrl+r", "refresh", _("Reload"), id="usage.refresh"),
        Binding("s", "sort", _("Sort"), id="usage.sort"),
        Binding("S", "reverse", _("Reverse"), id="usage.reverse", show=False),
        Binding("slash", "search", _("Filter"), id="usage.search"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows: list[LogRow] = []
        self.shown: list[LogRow] = []
        self.loaded = False
        self.stale = False
        self.sort_column = "time"
        self.sort_reverse = True  # newest first

    @property
    def deck(self) -> TokenDeck:
        return cast("TokenDeck", self.app)

    def compose(self) -> ComposeResult:
        with Horizontal(id="usage-filters"):
            yield Input(placeholder=_("Filter: model, request id, IP, note"), id="usage-text")
            yield Select([], prompt=_("All models"), id="usage-model", allow_blank=True)
        with Horizontal(id="usage-progress-row"):
            yield ProgressBar(total=None, show_eta=False, id="usage-progress")
            yield Static("", id="usage-status", markup=False)
        table: DataTable[object] = DataTable(
            id="usage-table", cursor_type="row", zebra_stripes=True
        )
        titles = (
            _("Time"),
            _("Model"),
            _("In"),
            _("Out"),
            _("Credits"),
            _("Left"),
            _("Request id"),
        )
        for key, title in zip(COLUMNS, titles, strict=True):
            table.add_column(title, key=key)
        yield table
        yield Static("", id="usage-totals", markup=False)

    def activate(self) -> Widget:
        """Load on first show (or when stale); the widget that should take focus."""
        if not self.loaded or self.stale:
            self.load()
        return self.query_one("#usage-table", DataTable)

    def mark_stale(self) -> None:
        self.stale = True
        if self.loaded and self.is_on_screen:
            self.load()

    def action_refresh(self) -> None:
        self.rows = []
        self.load()

    def action_search(self) -> None:
        self.query_one("#usage-text", Input).focus()

    @work(exclusive=True, group="usage", exit_on_error=False)
    async def load(self) -> None:
        """Fetch every page (or only rows newer than those already here) without blocking."""
        bar = self.query_one("#usage-progress", ProgressBar)
        status = self.query_one("#usage-status", Static)
        bar.display = True
        bar.update(total=None, progress=0)
        newest = self.rows[0].id if self.rows else None
        fresh: list[LogRow] = []
        pages = 0
        status.remove_class("error")
        try:
            async for page in self.deck.gateway.iter_usage_logs(stop_at_id=newest):
                pages += 1
                fresh.extend(page)
                if newest is None:
                    self.rows.extend(page)
                    self._append(page)
                status.update(
                    _("Loading… {rows} rows from {pages} pages").format(
                        rows=number(len(fresh)), pages=pages
                    )
                )
            if newest is not None and fresh:
                self.rows[:0] = fresh
                self._rebuild()
            self.loaded, self.stale = True, False
            status.update(_("{rows} rows loaded").format(rows=number(len(self.rows))))
        except GatewayError as exc:
            status.update(_("Could not load usage logs: {error}").format(error=exc.detail))
            status.add_class("error")
            self.notify(exc.detail, title=_("Usage"), severity="error")
        finally:
            bar.display = False
            self._models_changed()
            self._show_totals()

    # ---- filters, sorting, totals ---------------------------------------------------------

    def _matches(self, row: LogRow) -> bool:
        model = self.query_one("#usage-model", Select).value
        if isinstance(model, str) and model != ALL_MODELS and row.model != model:
            return False
        words = self.query_one("#usage-text", Input).value.lower().split()
        if not words:
            return True
        hay = f"{row.model} {row.reqid} {row.ip} {row.note}".lower()
        return all(w in hay for w in words)

    def _cells(self, row: LogRow) -> list[object]:
        return [
            cell(row.ctime.astimezone().strftime("%m-%d %H:%M")),
            cell(row.model),
            num(number(row.prompt_tokens)),
            num(number(row.completion_tokens)),
            num(number(row.fen)),
            num(number(row.yufen)),
            cell(row.reqid),
        ]

    def _append(self, page: list[LogRow]) -> None:
        if self.sort_column != "time" or not self.sort_reverse:
            self._rebuild()
            return
        keep = [r for r in page if self._matches(r)]
        self.shown.extend(keep)
        self.query_one("#usage-table", DataTable).add_rows(self._cells(r) for r in keep)
        self._show_totals()

    def _rebuild(self) -> None:
        table = self.query_one("#usage-table", DataTable)
        shown = [r for r in self.rows if self._matches(r)]
        shown.sort(key=_sort_key(self.sort_column), reverse=self.sort_reverse)
        self.shown = shown
        table.clear()
        table.add_rows(self._cells(r) for r in shown)
        self._show_totals()

    def _show_totals(self) -> None:
        rows = self.shown
        credits = sum((r.fen for r in rows), Decimal(0))
        prompt = sum(r.prompt_tokens for r in rows)
        completion = sum(r.completion_tokens for r in rows)
        self.query_one("#usage-totals", Static).update(
            _("{count}/{total} rows · {prompt} in · {completion} out · {credits} credits").format(
                count=number(len(rows)),
                total=number(len(self.rows)),
                prompt=number(prompt),
                completion=number(completion),
                credits=number(credits),
            )
        )

    def _models_changed(self) -> None:
        select = self.query_one("#usage-model", Select)
        models = sorted({r.model for r in self.rows})
        current = select.value
        select.set_options([(_("All models"), ALL_MODELS), *((m, m) for m in models)])
        if current in models:
            select.value = current

    @on(Input.Changed, "#usage-text")
    @on(Select.Changed, "#usage-model")
    def _filters_changed(self) -> None:
        self._rebuild()

    def action_sort(self) -> None:
        """Sort by the next column (s); S reverses the order."""
        column = COLUMNS[(COLUMNS.index(self.sort_column) + 1) % len(COLUMNS)]
        self._sort(column, column in ("time", "prompt", "completion", "credits", "balance"))

    def action_reverse(self) -> None:
        self._sort(self.sort_column, not self.sort_reverse)

    def _sort(self, column: str, reverse: bool) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self._rebuild()
        arrow = "↓" if reverse else "↑"
        self.query_one("#usage-status", Static).update(
            _("Sorted by {column} {arrow}").format(column=column, arrow=arrow)
        )

    @on(DataTable.HeaderSelected, "#usage-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        reverse = not self.sort_reverse if column == self.sort_column else column != "model"
        self._sort(column, reverse)
