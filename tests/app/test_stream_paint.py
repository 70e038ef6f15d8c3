"""A streaming answer repaints only the lines it changed: what the screen holds after each
piece must equal a fresh paint of the whole transcript (a line left out would stay stale). The
footer swaps Retry for Stop without mounting its keys anew."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.helpers import make_app, screen_text, wait_for
from tui.chat.conversation import Status, Turn
from tui.demo import DemoGateway
from tui.ui.app import TokenDeck
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.message import MessageItem
from tui.ui.widgets.chat.transcript import Transcript
from tui.ui.widgets.footer import SteadyFooter

REASONING = (
    "The user wants a short answer. First I should check what they asked, then think about "
    "the order of the points, then write it down without repeating myself.\n\nDone."
)
ANSWER = (
    "A paragraph that grows word by word and wraps onto a second and then a third line, with "
    "**a bold phrase that closes late** and `inline code` before its end.\n\n"
    "- a list item\n- another item that is long enough to wrap at eighty columns, surely\n\n"
    "```python\ndef f(x):\n    return x * 2\n```\n\n"
    "The last paragraph, which pushes the transcript to scroll once the screen is full of "
    "the answer and its meta line below it.\n"
)


async def opened(pilot: Pilot[object], app: TokenDeck) -> ChatPanel:
    """The chat panel once the app has settled (the stored conversation read and shown)."""
    panel = app.screen.query_one(ChatPanel)
    await wait_for(pilot, lambda: panel.conversation is not None and app.balance is not None)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return panel


def laid_out(view: Transcript, item: MessageItem) -> bool:
    """The answer's latest text laid out by the transcript (no layout of it pending)."""
    growing = item.tail if item.tail.text else item.parts()[-3]
    return view._timer is None and growing.strips is not None


async def test_each_piece_of_a_streaming_answer_leaves_no_stale_line(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        view = app.screen.query_one(Transcript)
        view.add(Turn("user", "Tell me"))
        item = view.add(Turn("assistant", model="m", status=Status.STREAMING), live=True)
        for at in range(0, len(REASONING), 11):  # reasoning first, shown apart
            item.add_reasoning(REASONING[at : at + 11])
            await wait_for(pilot, lambda: laid_out(view, item))
            await pilot.pause()
            painted = screen_text(app)
            view.refresh()
            await pilot.pause()
            assert painted == screen_text(app), f"stale after {REASONING[: at + 11]!r}"
        item.content_started()
        for at in range(0, len(ANSWER), 9):
            item.append(ANSWER[at : at + 9])
            await wait_for(pilot, lambda: laid_out(view, item))
            await pilot.pause()
            painted = screen_text(app)
            view.refresh()  # everything painted afresh
            await pilot.pause()
            assert painted == screen_text(app), f"stale after {ANSWER[: at + 9]!r}"
        assert "its meta line below it." in screen_text(app)


async def test_the_footer_swaps_retry_for_stop_in_place_while_an_answer_streams(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        panel = await opened(pilot, app)
        footer = app.screen.query_one(SteadyFooter)

        def footer_line() -> str:
            return screen_text(app).splitlines()[-1]

        await wait_for(pilot, lambda: "Retry" in footer_line())
        keys = list(footer.children)
        panel.streaming = True  # what the stream worker sets while an answer comes
        await wait_for(pilot, lambda: "Stop" in footer_line())
        assert "Retry" not in footer_line()
        assert list(footer.children) == keys  # the same keys, updated, not mounted anew
        panel.streaming = False
        await wait_for(pilot, lambda: "Retry" in footer_line())
        assert "Stop" not in footer_line()


async def test_long_reasoning_streams_in_chunks_laid_out_once(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 200)) as pilot:  # a done chunk in view
        await opened(pilot, app)
        view = app.screen.query_one(Transcript)
        item = view.add(Turn("assistant", model="m", status=Status.STREAMING), live=True)
        lines = [f"Thought {i}: weigh this option against the others." for i in range(600)]
        reasoning = "\n".join(lines) + "\n"
        for at in range(0, len(reasoning), 500):
            item.add_reasoning(reasoning[at : at + 500])
        await wait_for(pilot, lambda: item.parts()[-3].strips is not None)  # the growing end
        chunks = [p for p in item.parts() if p.kind == "reasoning"]
        assert len(chunks) > 3  # ~30 KB: not one part laid out again with every piece
        assert "".join(p.text for p in chunks) == reasoning  # nothing lost or doubled
        laid_out = [(p, p.strips) for p in chunks[:-1] if p.strips is not None]
        assert laid_out  # a done chunk in view
        item.add_reasoning("One more thought.\n")
        await wait_for(pilot, lambda: item.parts()[-3].strips is not None)
        assert all(p.strips is strips for p, strips in laid_out)  # done chunks kept
        assert "One more thought." in screen_text(app)
