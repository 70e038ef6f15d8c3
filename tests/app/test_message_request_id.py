"""`i` on a selected answer shows and copies the gateway's request id of that very answer (not
only of the last one, as the palette command does)."""

from __future__ import annotations

from pathlib import Path

from tests.app.test_chat_transcript import answered, chat, transcript
from tests.helpers import make_app
from tui.demo import DemoGateway


async def test_i_on_a_selected_answer_copies_its_request_id(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await answered(pilot, app, "first question")
        await answered(pilot, app, "second question")
        turns = chat(app).conversation.turns  # type: ignore[union-attr]
        first, last = turns[1], turns[3]
        assert first.request_id and last.request_id and first.request_id != last.request_id
        await pilot.press("shift+tab", "up", "up")  # the first answer
        assert transcript(app).selected.turn is first  # type: ignore[union-attr]
        await pilot.press("i")
        assert app.clipboard == first.request_id
        said = [str(n.message) for n in app._notifications]
        assert any(first.request_id in text for text in said)
        await pilot.press("up")  # a question has no request id: the key does nothing
        assert transcript(app).selected.turn is turns[0]  # type: ignore[union-attr]
        await pilot.press("i")
        assert app.clipboard == first.request_id
        assert [str(n.message) for n in app._notifications] == said


async def test_i_on_an_answer_without_request_id_says_so(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await answered(pilot, app, "a question")
        answer = chat(app).conversation.turns[-1]  # type: ignore[union-attr]
        answer.request_id = None  # as from a gateway that sends none
        await pilot.press("shift+tab", "i")
        assert app.clipboard == ""
        assert any(
            "no request id" in str(n.message) and n.severity == "warning"
            for n in app._notifications
        )
