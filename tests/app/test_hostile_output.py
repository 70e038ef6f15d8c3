"""Model output is shown literally: Rich/Textual markup and terminal escapes are never run."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_app, screen_text, wait_for
from tui.demo import DemoGateway, Fault
from tui.ui.widgets.chat import ChatPanel


async def test_markup_and_escapes_in_an_answer_are_shown_literally(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("markup"))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"hi", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        answer = panel.conversation.turns[-1].content
        assert "[bold red]" in answer and "\x1b[31m" in answer
        await pilot.pause()
        shown = screen_text(app)
        assert app.is_running  # [@click=app.quit] did not quit
        assert "not bold" in shown
        assert "[bold red]" in shown
        assert "@click=app.quit" in shown
        assert "\x1b[31m" not in shown
        assert "␛[31m" in shown

    # the same answer loaded from history renders through the other (Rich) path
    again = make_app(demo, tmp_path)
    async with again.run_test(size=(120, 40)) as pilot:
        panel = again.screen.query_one(ChatPanel)
        await wait_for(
            pilot, lambda: panel.conversation is not None and len(panel.conversation.turns) == 2
        )
        await pilot.pause()
        shown = screen_text(again)
        assert again.is_running
        assert "[bold red]" in shown and "@click=app.quit" in shown
        assert "\x1b" not in shown and "␛[31m" in shown
