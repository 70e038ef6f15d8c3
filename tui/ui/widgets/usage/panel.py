"""The Usage panel: the cached usage log as rows (filter, sort, orphans, export) and as
analytics (per day, week, model, balance over time), synced from the gateway in a worker."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, ProgressBar, Select, Static
from textual.worker import get_current_worker

from ....base.i18n import N_, _
from ....base.paths import data_dir
from ....base.safe import terminal_safe
from ....base.textfmt import number
from ....base.times import TimeError, parse_when
from ....gateway import GatewayError
from ....gateway.families import offers
from ....spend.budgets import period_start
from ....spend.money import log_unit, rate_for
from ....spend.usage_export import database_files, own_file, write_rows
from ....spend.usage_sync import new_rows, pages
from ....store import (
    Database,
    GroupBy,
    StoreError,
    count_usage,
    open_db,
    sum_buckets,
    usage_by,
    usage_models,
    usage_view,
)
from ....store.usage_view import (
    RowQuery,
    count_query,
    indexed,
    iter_query,
    make_sort_index,
    window_ids,
)
from ...deck import Deck
from ...gcfreeze import freeze_long_lived
from ...screens.dialogs import ConfirmScreen, TextPrompt
from ..cells import cell
from ..status import StatusBar
from .analytics import balance_view, spend_chart
from .sources import (
    DESCENDING_FIRST,
    FIRST,
    SORTABLE,
    RowsSource,
    report_columns,
    report_lines,
    row_columns,
    totals_text,
)
from .table import ListSource, WindowTable

if TYPE_CHECKING:
    from ....spend.usage_sync import SyncResult

ALL_MODELS = "__all__"
VIEWS = ("rows", "day", "week", "model", "balance")
VIEW_TITLES = {
    "rows": N_("Rows"),
    "day": N_("By day"),
    "week": N_("By week"),
    "model": N_("By model"),
    "balance": N_("Balance"),
}
RANGES = ("all", "today", "7d", "30d")
RANGE_TITLES = {
    "all": N_("all time"),
    "today": N_("today"),
    "7d": N_("last 7 days"),
    "30d": N_("last 30 days"),
}
REFRESH_EVERY = 0.5  # seconds between table refreshes while a sync stores pages
BAR_AFTER = 0.3  # seconds a sync runs before its progress bar is shown


class UsagePanel(Vertical, can_focus=True):
    BINDINGS = [
        Binding("ctrl+r", "refresh", N_("Sync"), id="usage.refresh"),
        Binding("v", "view(1)", N_("View"), id="usage.view"),
        Binding("V", "view(-1)", N_("Previous view"), id="usage.view_back", show=False),
        *(
            Binding(
                str(i + 1),
                f"show_view('{name}')",
                VIEW_TITLES[name],
                show=False,
                id=f"usage.view_{name}",
            )
            for i, name in enumerate(VIEWS)
        ),  # fmt: skip
        Binding("t", "range", N_("Range"), id="usage.range"),
        Binding("T", "custom_range", N_("Custom range"), id="usage.range_custom", show=False),
        Binding("slash", "search", N_("Filter"), id="usage.search"),
        Binding("s", "sort", N_("Sort"), id="usage.sort"),
        Binding("S", "reverse", N_("Reverse"), id="usage.reverse", show=False),
        Binding("o", "orphans", N_("Orphans"), id="usage.orphans"),
        Binding("e", "export", N_("Export"), id="usage.export"),
        Binding("escape", "leave_filter", N_("Back to rows"), id="usage.leave", show=False),
    ]

    def __init__(self, deck: Deck, **kwargs: object) -> None:
        # What lives now (the app's widgets, the chat) is taken out of the cyclic garbage
        # collector's sight before the panel is built: a full collection striking while it
        # mounts walked all of it (~15 ms). Frozen objects are still freed by reference count.
        freeze_long_lived()
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.deck = deck
        self.loaded = False  # a sync finished (or failed) since the panel was first shown
        self.stale = False
        self.view = "rows"
        self.range = "all"
        self.custom: tuple[datetime | None, datetime | None] = (None, None)
        self._bounds: tuple[datetime | None, datetime | None] = (None, None)  # as last shown
        self.orphans = False
        self.sort = ("time", True)
        self.source: RowsSource | None = None
        self._shown = False
        self._last_refresh = 0.0
        self._stored = False  # the running sync stored rows
        self.exported: tuple[Path, int] | None = None  # the last export: file, rows
        self._export_folder: Path | None = None  # the folder the export prompt proposed
        self._texts: dict[str, str | Text] = {}
        self._models: list[str] | None = None
        self.totals_shown: RowQuery | None = None  # the query the totals line adds up
        self._before_orphans: tuple[str | Text, bool] = ("", False)  # status under the banner


    def compose(self) -> ComposeResult:
        with Horizontal(id="usage-head"):
            yield Static("", id="usage-views")
            yield Static("", id="usage-range", markup=False)
        with Horizontal(id="usage-filters"):
            yield Input(placeholder=_("Filter: model, request id, IP, note"), id="usage-text")
            yield Select([], prompt=_("All models"), id="usage-model", allow_blank=True)
        with Horizontal(id="usage-progress-row"):
            yield ProgressBar(total=None, show_eta=False, id="usage-progress")
            yield Static("", id="usage-status", markup=False)
        yield Static("", id="usage-chart", markup=False)
        yield WindowTable(row_columns(log_unit(self.deck.profile)), id="usage-table")
        yield WindowTable(id="usage-report")
        yield Static("", id="usage-figures", markup=False)
        yield Static("", id="usage-totals", markup=False)

    def on_mount(self) -> None:
        self.query_one("#usage-progress").display = False
        self._show_head()
        self._show_view_widgets()

    # ---- activation and sync -----------------------------------------------------------

    def activate(self) -> Widget:
        """Show the cache at once, then sync it (first show, or when stale); the widget that
        should take focus."""
        if not self._shown:
            # The rows are read now, for the panel's first frame (not while it is drawn); the
            # sync starts after that frame (its first steps are not added to the frame's).
            self._shown = True
            self._models_changed()
            self.refresh_view()
            self.call_after_refresh(self._sync_if_needed)
        elif not self.loaded or self.stale:
            self.sync()
        return self._focus_target()

    def _sync_if_needed(self) -> None:
        if not self.loaded or self.stale:
            self.sync()

    def _focus_target(self) -> Widget:
        if self.view == "rows":
            return self.query_one("#usage-table", WindowTable)
        if self.view == "balance":
            return self
        return self.query_one("#usage-report", WindowTable)

    def mark_stale(self) -> None:
        self.stale = True
        if self.loaded and self.is_on_screen:
            self.sync()

    def action_refresh(self) -> None:
        self.sync()

    def _db(self) -> Database | None:
        return self.deck.history.db

    @work(exclusive=True, group="usage-sync", exit_on_error=False)
    async def sync(self) -> None:
        """Have the usage service bring the cache up to date without blocking; the rows on
        screen stay."""
        db, deck = self._db(), self.deck
        status = self.query_one("#usage-status", Static)
        status.remove_class("error")
        if db is None:
            self._say(_("The usage cache is unavailable, so nothing can be shown."), error=True)
            self.loaded = True
            return
        if db.read_only:
            self._say(_("The history database is read-only: showing the cached rows."))
            self.loaded = True
            return
        bar = self.query_one("#usage-progress", ProgressBar)
        # the bar only for a sync that takes a while (an incremental one is a page: showing
        # and hiding the bar would cost two layouts of the panel for nothing)
        show_bar = self.set_timer(BAR_AFTER, lambda: setattr(bar, "display", True))
        self._say(_("Syncing the usage log…"))
        profile = deck.profile
        self._stored = False  # rows stored or claimed: what is shown must be read again
        try:
            if deck.usage.forget_old_demo_rows(db, profile):
                self.refresh_view(keep_cursor=True)  # an older tokendeck's demo rows
            synced = await deck.usage.sync(
                deck.gateway, db, profile, on_page=self._progress,
                on_wait=lambda: self._say(_("Waiting for the usage sync another tokendeck is "
                                            "running…")),
            )  # fmt: skip
            self._stored = self._stored or synced.changed
            said = (
                _("{new_rows} from {pages}; {rows} cached")
                if synced.log.pages
                else _("{new_rows}; {rows} cached")  # nothing new: no "from 0 pages"
            )
            self._say(
                said.format(
                    new_rows=new_rows(synced.log.new_rows),
                    pages=pages(synced.log.pages),
                    rows=number(synced.cached),
                )
            )
        except GatewayError as exc:
            self._say(
                _("Could not sync the usage log: {error} Showing the cached rows.").format(
                    error=exc.detail.rstrip(".") + "."
                ),
                error=True,
            )
            self.notify(exc.detail, title=_("Usage"), severity="error")
        except StoreError as exc:
            self._say(exc.message, error=True)
        finally:
            show_bar.stop()
            bar.display = False
            self.loaded, self.stale = True, False
            if self._stored:  # else the rows shown are the rows cached
                self._models_changed()
                self.refresh_view(keep_cursor=True)
                self._budgets_changed()

    def _progress(self, result: SyncResult) -> None:
        self._stored = self._stored or result.new_rows > 0
        self._say(
            _("Syncing… {new_rows} from {pages}").format(
                new_rows=new_rows(result.new_rows), pages=pages(result.pages)
            )
        )
        now = time.monotonic()
        if now - self._last_refresh >= REFRESH_EVERY:
            self._last_refresh = now
            self.refresh_view(keep_cursor=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self._put("#usage-status", terminal_safe(text, multiline=True))  # gateway sentences
        self.query_one("#usage-status").set_class(error, "error")

    def _put(self, selector: str, text: str | Text) -> None:
        """Update a line of text only when it changes (each update costs a layout pass)."""
        widget = self.query_one(selector, Static)
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            widget.update(text)

    def _budgets_changed(self) -> None:
        for bar in self.screen.query(StatusBar):
            bar.refresh_budgets()

    # ---- what is shown -------------------------------------------------------------------

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The time range: since (inclusive), until (exclusive); None is open."""
        if self.range == "custom":
            return self.custom
        if self.range == "all":
            return None, None
        now = self.deck.clock.now()
        if self.range == "today":
            return period_start(now, "day"), None
        return now - timedelta(days=7 if self.range == "7d" else 30), None

    def row_query(self) -> RowQuery:
        since, until = self._bounds
        model = self.query_one("#usage-model", Select).value
        text = self.query_one("#usage-text", Input).value
        return RowQuery(
            since=since,
            until=until,
            model=model if isinstance(model, str) and model != ALL_MODELS else None,
            text=text,
            orphans=self.orphans,
            sort=self.sort[0],
            descending=self.sort[1],
        )

    def refresh_view(self, *, keep_cursor: bool = False, same_rows: bool = False) -> None:
        """Show the current view from the cache (a few queries, each over an index; a count
        over searched words and the totals come later from a thread). `same_rows`: only the
        order changed, so the count and the totals stand."""
        db = self._db()
        if db is None:
            return
        # "the last 7 days" is taken once per refresh: a query read again a moment later
        # (to tell a stale answer) must be the same query, not one a few microseconds on
        self._bounds = self.bounds()
        try:
            if self.view == "rows":
                self._show_rows(db, keep_cursor, same_rows)
            elif self.view == "balance":
                self._show_balance(db)
            else:
                self._show_report(db, cast(GroupBy, self.view))
        except StoreError as exc:
            self._say(exc.message, error=True)

    def _show_rows(self, db: Database, keep_cursor: bool, same_rows: bool) -> None:
        """Rows over an index are shown at once. Searched words (or orphans) take a pass over
        every row: their first rows, then their count and totals, come from a thread, and the
        rows shown meanwhile stay. The totals line is dimmed until it adds up the new rows."""
        query = self.row_query()
        shown = self.totals_shown
        totals = not (same_rows and shown is not None and shown.same_rows(query))
        if totals:
            self.totals_shown = None
            self.query_one("#usage-totals").add_class("-stale")
        else:
            self.totals_shown = query  # the same rows add up to the same totals
        if indexed(db, self.deck.profile.name, query):
            self._rows_ready(query, None, keep_cursor)
            if totals:
                self._read(db.path, query, first=False, totals=True, keep_cursor=keep_cursor)
        else:
            self._read(db.path, query, first=True, totals=totals, keep_cursor=keep_cursor)

    def _rows_ready(self, query: RowQuery, first: list[int] | None, keep_cursor: bool) -> None:
        """Show the rows of `query` (`first`: the ids of its first rows, read in a thread)."""
        db, old = self._db(), self.source
        if db is None or query != self.row_query() or self.view != "rows":
            return  # a stale answer
        same = old is not None and old.query.same_rows(query)
        known = old.count() if old is not None and old.counted and same else None
        if known is not None and keep_cursor:
            known = None  # a sync stored rows meanwhile: count them again
        expect = old.count() if old is not None and same and keep_cursor else 0
        profile = self.deck.profile.name
        left = self._rows_say_balance()
        self.source = source = RowsSource(
            db, profile, query, known, expect, first=first, left=left
        )
        table = self.query_one("#usage-table", WindowTable)
        table.sort = self.sort
        table.show(source, keep_cursor=keep_cursor)

    @work(thread=True, exclusive=True, group="usage-read", exit_on_error=False)
    def _read(
        self, path: Path, query: RowQuery, *, first: bool, totals: bool, keep_cursor: bool
    ) -> None:
        """In a thread with a connection of its own (searching or summing 100,000 rows must
        not hold up the keys): the query's first rows, then its count and totals."""


        worker, profile, problem = get_current_worker(), self.deck.profile, ""
        sums = None
        try:
            if first:
                make_sort_index(path, query.sort)
            with open_db(path, read_only=True, recover=False) as db:
                if first:
                    ids = window_ids(db, profile.name, query, 0, FIRST)
                    if worker.is_cancelled:
                        return
                    self.app.call_from_thread(self._rows_ready, query, ids, keep_cursor)
                if not totals:
                    return
                sums = usage_view.query_totals(db, profile.name, query)  # (tests hold it)
                in_range = count_usage(db, profile.name, since=query.since, until=query.until)
        except StoreError as exc:
            problem = exc.message
        if worker.is_cancelled:
            return
        count = None if sums is None else sums.requests
        text = problem if sums is None else totals_text(
            sums, rate_for(profile), in_range, log_unit(profile)
        )
        self.app.call_from_thread(self._totals_ready, text, query, count)

    def _totals_ready(self, text: str, query: RowQuery, count: int | None) -> None:
        current = self.row_query()
        if self.view != "rows" or not query.same_rows(current):
            return  # a stale answer
        source = self.source
        if (
            count is not None
            and source is not None
            and not source.counted
            and source.query.same_rows(query)
        ):
            source.set_count(count)
            self.query_one("#usage-table", WindowTable).recount()
        self._put("#usage-totals", text)
        self.query_one("#usage-totals").remove_class("-stale")
        self.totals_shown = current

    def _show_report(self, db: Database, by: GroupBy) -> None:
        since, until = self.bounds()
        model = self.row_query().model
        buckets = usage_by(db, self.deck.profile.name, by, since=since, until=until, model=model)
        rate = rate_for(self.deck.profile)
        table = self.query_one("#usage-report", WindowTable)
        columns = report_columns(by, rate, log_unit(self.deck.profile))  # USD at new-api
        table.show(ListSource(report_lines(buckets, rate)), columns)
        chart = self.query_one("#usage-chart", Static)
        width = max(10, self.size.width - 2)
        chart.update(spend_chart(buckets, by, width, log_unit(self.deck.profile)))
        chart.display = by != "model" and bool(buckets)
        self._put(
            "#usage-totals",
            totals_text(sum_buckets(buckets), rate, money=log_unit(self.deck.profile)),
        )

    def _rows_say_balance(self) -> bool:
        """Whether the log's rows say the balance after each request (openai-hk's do; new-api,
        one-api and LiteLLM rows do not)."""
        spec = self.deck.spec
        return spec is None or offers(spec).log_family is None

    def _show_balance(self, db: Database) -> None:
        since, until = self.bounds()
        profile = self.deck.profile
        height = max(3, self.size.height - 11)
        chart, figures = balance_view(
            db, profile, self.deck.clock.now(), since=since, until=until,
            width=max(20, self.size.width - 2), height=height, after=self._rows_say_balance(),
        )  # fmt: skip
        widget = self.query_one("#usage-chart", Static)
        widget.update(chart)
        widget.display = bool(chart)
        self._put("#usage-figures", figures)
        self._put("#usage-totals", "")

    def _show_head(self) -> None:
        views = Text()
        for i, name in enumerate(VIEWS):
            if i:
                views.append(" │ ", style="dim")
            label = f"{i + 1} {_(VIEW_TITLES[name])}"
            views.append(label, style="reverse bold" if name == self.view else "")
        self._put("#usage-views", views)
        self._put("#usage-range", self._range_text())

    def _range_text(self) -> str:
        if self.range == "custom":
            since, until = self.custom
            day = "%Y-%m-%d"
            if since and until:
                text = _("{since} to {until}").format(
                    since=since.strftime(day), until=until.strftime(day)
                )
            elif since:
                text = _("since {since}").format(since=since.strftime(day))
            else:
                text = _("until {until}").format(until=until.strftime(day) if until else "")
        else:
            text = _(RANGE_TITLES[self.range])
        if self.orphans:
            text = _("{range} · orphans only").format(range=text)
        return text

    def _show_view_widgets(self) -> None:
        rows, report = self.view == "rows", self.view in ("day", "week", "model")
        self.query_one("#usage-filters").display = rows
        self.query_one("#usage-table").display = rows
        self.query_one("#usage-report").display = report
        self.query_one("#usage-chart").display = False
        self.query_one("#usage-figures").display = self.view == "balance"
        self.query_one("#usage-totals").display = self.view != "balance"

    # ---- keys ----------------------------------------------------------------------------

    def action_view(self, step: int) -> None:
        self.action_show_view(VIEWS[(VIEWS.index(self.view) + step) % len(VIEWS)])

    def action_show_view(self, name: str) -> None:
        self.view = name
        self._show_head()
        self._show_view_widgets()
        self.refresh_view()
        self.screen.set_focus(self._focus_target())

    def action_range(self) -> None:
        names = RANGES
        current = names.index(self.range) if self.range in names else -1
        self.range = names[(current + 1) % len(names)]
        self._range_changed()

    def _range_changed(self) -> None:
        self._show_head()
        self.refresh_view()

    def action_custom_range(self) -> None:
        prompt = _("Range: since..until, each like 2026-11-01, 2026-11-01T08:30 or 7d (or empty)")
        self.app.push_screen(TextPrompt(prompt, "7d.."), self._custom_chosen)

    def _custom_chosen(self, text: str | None) -> None:
        if not text:
            return
        since_text, _sep, until_text = text.partition("..")
        now = self.deck.clock.now()
        try:
            since = parse_when(since_text, _("since"), now) if since_text.strip() else None
            until = parse_when(until_text, _("until"), now) if until_text.strip() else None
        except TimeError as exc:
            self.notify(str(exc), title=_("Range"), severity="error")
            return
        self.range, self.custom = "custom", (since, until)
        self._range_changed()

    def action_search(self) -> None:
        if self.view != "rows":
            self.action_show_view("rows")
        # focused now, not after a refresh: the keys typed right after "/" are its text
        self.screen.set_focus(self.query_one("#usage-text", Input))

    def action_leave_filter(self) -> None:
        self.query_one("#usage-table", WindowTable).focus()

    @on(Input.Submitted, "#usage-text")
    def _submitted(self) -> None:
        self.action_leave_filter()

    def action_orphans(self) -> None:
        self.orphans = not self.orphans
        if self.view != "rows":
            self.action_show_view("rows")
        else:
            self._range_changed()
        self._show_head()
        status = self.query_one("#usage-status")
        if self.orphans:
            self._before_orphans = (self._texts.get("#usage-status", ""), status.has_class("error"))
            self._say(
                _(
                    "Orphan charges: rows since your first answer in tokendeck that none of "
                    "your answers accounts for (o shows every row)."
                )
            )
        else:  # the banner goes: what the status said before it comes back
            text, error = self._before_orphans
            self._say(str(text), error=error)

    def action_sort(self) -> None:
        """Sort by the next column (s); S reverses the order."""
        column = SORTABLE[(SORTABLE.index(self.sort[0]) + 1) % len(SORTABLE)]
        self._sort(column, column in DESCENDING_FIRST)

    def action_reverse(self) -> None:
        self._sort(self.sort[0], not self.sort[1])

    def _sort(self, column: str, descending: bool) -> None:
        self.sort = (column, descending)
        self.refresh_view(same_rows=True)  # the column's title shows ↓ or ↑

    @on(WindowTable.HeaderClicked, "#usage-table")
    def _header(self, event: WindowTable.HeaderClicked) -> None:
        if event.key in SORTABLE:
            column = event.key
            same = column == self.sort[0]
            self._sort(column, not self.sort[1] if same else column in DESCENDING_FIRST)

    @on(Input.Changed, "#usage-text")
    @on(Select.Changed, "#usage-model")
    def _filters_changed(self) -> None:
        if self._shown:
            self.refresh_view()

    def _models_changed(self) -> None:
        db = self._db()
        if db is None:
            return
        select = self.query_one("#usage-model", Select)
        models = usage_models(db, self.deck.profile.name)
        if models == self._models:
            return
        self._models = models
        current = select.value
        with self.prevent(Select.Changed):
            select.set_options([(_("All models"), ALL_MODELS), *((cell(m), m) for m in models)])
            if current in models:
                select.value = current

    # ---- export --------------------------------------------------------------------------

    def action_export(self) -> None:
        if self.view != "rows" or self.source is None:
            self.action_show_view("rows")
        source, db = self.source, self._db()
        if source is not None and source.counted and source.query.same_rows(self.row_query()):
            count = source.count()
        else:  # the count is still being taken
            count = count_query(db, self.deck.profile.name, self.row_query()) if db else 0
        stamp = self.deck.clock.now().astimezone().strftime("%Y%m%d-%H%M%S")
        self._export_folder = data_dir() / "exports"  # proposed, so made without asking
        default = self._export_folder / f"usage-{stamp}.csv"
        title = _("Export {count} rows to (.csv or .json):").format(count=number(count))
        self.app.push_screen(TextPrompt(title, str(default)), self._export_chosen)

    def _export_chosen(self, text: str | None) -> None:
        db = self._db()
        if not text or db is None:
            return
        path, db_path, query = Path(text).expanduser().absolute(), db.path, self.row_query()
        problem = self._export_problem(path, db_path)
        if problem:
            self.notify(problem, title=_("Export"), severity="error")
            return
        questions: list[tuple[str, str]] = []
        create = not path.parent.is_dir()
        if create and path.parent != self._export_folder:
            question = _("The folder {folder} does not exist. Create it and export there?")
            questions.append((question.format(folder=path.parent), _("Create")))
        if path.exists():
            question = _("{path} exists. Replace it?")
            questions.append((question.format(path=path), _("Replace")))

        def ask(yes: bool | None = True) -> None:
            if not yes:
                return
            if questions:
                self.app.push_screen(ConfirmScreen(*questions.pop(0)), ask)
            else:
                self.export(path, db_path, query, create=create)

        ask()

    def _export_problem(self, path: Path, db_path: Path) -> str | None:
        """Why the export may not go to `path`: one of tokendeck's own files, or a folder."""

        if own_file(path, [*database_files(db_path), self.deck.config.path]) is not None:
            return _("{path} is one of tokendeck's own files (history or config): choose another "
                     "name.").format(path=path)  # fmt: skip
        if path.is_dir():
            return _("{path} is a folder: give a file name.").format(path=path)
        return None

    @work(thread=True, group="usage-export", exit_on_error=False)
    def export(self, path: Path, db_path: Path, query: RowQuery, *, create: bool = False) -> None:
        """Write the filtered rows to `path` (CSV, or JSON for a .json name) from a connection
        of this thread's own; the file appears whole or not at all. Its folder is made only
        when `create` (the user agreed, or it is the proposed one)."""

        fmt = "json" if path.suffix.lower() == ".json" else "csv"
        part = path.with_name(path.name + ".part")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            with open_db(db_path, read_only=True) as db, part.open("w", encoding="utf-8") as out:
                rows = iter_query(db, self.deck.profile.name, query)
                count = write_rows(rows, out, fmt, left=self._rows_say_balance())
            problem = self._export_problem(path, db_path)  # it may have changed since asked
            if problem:
                part.unlink(missing_ok=True)
                self.app.call_from_thread(
                    self.notify, problem, title=_("Export"), severity="error"
                )
                return
            os.replace(part, path)
        except (OSError, StoreError) as exc:
            part.unlink(missing_ok=True)
            reason = exc.message if isinstance(exc, StoreError) else exc.strerror or str(exc)
            self.app.call_from_thread(
                self.notify,
                _("Could not export to {path}: {reason}").format(path=path, reason=reason),
                title=_("Export"),
                severity="error",
            )
            return
        self.exported = (path, count)
        self.app.call_from_thread(
            self.notify,
            _("Exported {count} rows to {path}").format(count=number(count), path=path),
            title=_("Export"),
        )
