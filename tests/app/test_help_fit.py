"""F1 at 80x24 shows every binding id whole: the ids are what [keymap] needs, and they were
the last column, cut at 80 columns ('chat.', 'Bindi')."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_app, screen_text, wait_for
from tui.demo import DemoGateway
from tui.ui.screens.help import HelpScreen


async def test_help_shows_the_binding_ids_whole_at_80_columns(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        shown = screen_text(app)
        ids = [binding_id for _k, _d, binding_id, _g in app.screen.rows if binding_id]  # type: ignore[attr-defined]
    assert "Binding id" in shown
    visible = [i for i in ids[:10] if i in shown]  # the first rows, on screen at 80x24
    assert visible == ids[:10], (ids[:10], shown)
