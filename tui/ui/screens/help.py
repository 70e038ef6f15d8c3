"""The help screen: every binding that works where you are, then the global ones."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from ...base.i18n import N_, _, shown
from ..widgets.cells import cell


def binding_rows(screen: Screen[object]) -> list[tuple[str, str, str, bool]]:
    """(keys, description, id, is_global) for the bindings active on `screen`: the app's own
    first (this panel's, then the global ones), then Textual's editing keys (no id)."""
    app = screen.app
    rows: dict[str, tuple[str, str, str, bool]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        key = binding.id or f"{binding.action}"
        is_global = active.node is app or active.node is screen
        keys = app.get_key_display(binding)
        if key in rows:
            old = rows[key]
            if keys not in old[0].split(" / "):
                rows[key] = (f"{old[0]} / {keys}", old[1], old[2], old[3])
            continue
        rows[key] = (keys, shown(binding.description), binding.id or "", is_global)
    # tokendeck's own keys (those with an id) first, then the text fields' editing keys
    return sorted(rows.values(), key=lambda r: (not r[2], r[3], r[1].lower()))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", N_("Close"), id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str, bool]], panel: str) -> None:
        super().__init__()
        self.rows = rows
        self.panel = panel

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static(
                _("Keys — {panel}").format(panel=self.panel), id="help-title", markup=False
            )
            table: DataTable[object] = DataTable(id="help-table", cursor_type="row")
            # the binding id before "where": it is what [keymap] needs, and at 80 columns the
            # last column is the one cut
            table.add_column(_("Keys"), key="keys")
            table.add_column(_("Action"), key="action")
            table.add_column(_("Binding id"), key="id")
            table.add_column(_("Where"), key="where")
            for keys, description, binding_id, is_global in self.rows:
                where = _("everywhere") if is_global else _("this panel")
                table.add_row(cell(keys), cell(description), cell(binding_id), cell(where))
            yield table
            yield Static(
                _(
                    'Remap any key in config.toml: [keymap] "binding id" = "keys". '
                    "Ctrl+P opens the command palette with every action. Esc closes."
                ),
                id="help-footer",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
