"""SIGKILL mid-answer loses at most the last persistence batch; the draft survives; a restart
shows the partial answer marked as interrupted. The app runs in a real child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import make_app, wait_for
from tui.chat.conversation import Status
from tui.demo import DemoGateway, Fault
from tui.store import MessageStatus, list_conversations, messages, open_db
from tui.store.drafts import draft_key, load_draft
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.transcript import Transcript

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from tui.ui.app import TokenDeck
    from tui.profiles.config import Config, demo_profile
    from tui.profiles.runtime import spec_for

    async def main(url, tmp):
        profile = demo_profile()
        app = TokenDeck(config=Config(path=Path(tmp) / "c.toml", data={"cursor_blink": False}),
                        profile=profile, spec=spec_for(profile, url), demo=True)
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.screen.query_one("#chat-panel")
            while panel.conversation is None:
                await pilot.pause(0.01)
            await pilot.press(*"tell me a story", "enter")
            while len(panel.conversation.turns) < 2:
                await pilot.pause(0.01)
            await pilot.press(*"unsent draft")
            view = app.screen.query_one("#transcript").items[-1]
            while len(view.source) < 300:
                await pilot.pause(0.01)
            while app.history.draft(panel.conversation.id) != "unsent draft":
                await pilot.pause(0.01)  # until the quiet-typing timer has saved the draft
            print("READY", len(view.source), flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_sigkill_mid_stream_keeps_the_partial_answer_and_the_draft(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("drip", seconds=0.05))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, demo.url, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env=os.environ.copy(),
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the child says it is mid-answer
        assert line.startswith("READY"), child.stderr.read() if child.stderr else line
        shown = int(line.split()[1])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    db = open_db()  # opening recovers the answer the dead process left 'streaming'
    assert db.recovered == 1
    (summary,) = list_conversations(db)
    user, answer = messages(db, summary.id)
    assert user.content == "tell me a story"
    assert answer.status is MessageStatus.INTERRUPTED
    assert answer.content, "nothing of the answer was persisted"
    assert shown - len(answer.content) <= 1024  # at most the last batch is lost
    assert load_draft(db, draft_key(summary.id)) == "unsent draft"
    db.close()

    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await wait_for(
            pilot, lambda: panel.conversation is not None and len(panel.conversation.turns) == 2
        )
        assert panel.conversation.turns[-1].status is Status.INTERRUPTED

        def meta() -> str:
            views = app.screen.query_one(Transcript).items
            return views[-1].meta if views else ""

        await wait_for(pilot, lambda: "interrupted" in meta())
        assert panel.query_one("#prompt").text == "unsent draft"
