"""The app side of the chat tools, by keys against the demo gateway over loopback: attach a
file by path (Tab completion) or by pasting its path, templates from the palette and the
parameters dialog, model aliases, the draft in $EDITOR; the demo records what it was sent."""

from __future__ import annotations

import base64
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
from textual import events
from textual.widgets import DataTable, Input, OptionList, Select

from tests.app.test_history import ask, chat, transcript
from tests.helpers import make_app, wait_for
from tui.demo import DemoGateway
from tui.profiles.templates import Template
from tui.store import list_conversations, messages, open_db
from tui.ui.screens.attach import AttachScreen
from tui.ui.screens.params import ParamsScreen
from tui.ui.widgets.chat.attach import AttachedFiles
from tui.ui.widgets.chat.prompt import PromptInput

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
REVIEW = Template(
    "review", system="You review diffs.", model="mini", temperature=0.2, prefix="Review this:"
)


def tooled_app(demo: DemoGateway, tmp_path: Path) -> object:
    app = make_app(demo, tmp_path)
    app.config.aliases = {"mini": "gpt-4o-mini", "cheap": "gpt-4o-mini"}
    app.config.templates = {"review": REVIEW}
    return app


async def test_a_file_attached_by_path_with_tab_goes_with_the_next_message(
    demo: DemoGateway, tmp_path: Path
) -> None:
    (tmp_path / "notes-for-review.txt").write_text("alpha\nbeta\n")
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachScreen))  # type: ignore[attr-defined]
        await pilot.press(*f"{tmp_path}/notes-for", "tab")
        field = app.screen.query_one("#attach-path", Input)  # type: ignore[attr-defined]
        assert field.value == f"{tmp_path}/notes-for-review.txt"  # completed by Tab
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, AttachScreen))  # type: ignore[attr-defined]
        bar = chat(app).query_one(AttachedFiles)
        assert "notes-for-review.txt (11 bytes)" in str(bar.render())
        await ask(pilot, app, "what is in it")
        assert demo.chat_requests[-1].files == (("notes-for-review.txt", 11),)
        assert bar.files == [] and not bar.has_class("-shown")
        user = transcript(app).items[-2]
        assert "📎 notes-for-review.txt (11 bytes)" in user.meta
        cid = chat(app).conversation.id  # type: ignore[union-attr]
    with open_db() as db:
        stored = messages(db, cid)
    assert [a.name for a in stored[0].attachments] == ["notes-for-review.txt"]


async def test_a_pasted_path_attaches_the_image_and_a_text_paste_is_typed(
    demo: DemoGateway, tmp_path: Path
) -> None:
    shot = tmp_path / "my shot.png"
    shot.write_bytes(PNG)
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        prompt = chat(app).query_one(PromptInput)
        # as the terminal driver sends a paste: to the app, which gives it to the focused input
        app.post_message(events.Paste(f"'{shot}'"))  # type: ignore[attr-defined]
        bar = chat(app).query_one(AttachedFiles)
        await wait_for(pilot, lambda: len(bar.files) == 1)
        assert prompt.text == ""
        app.post_message(events.Paste("just words"))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: prompt.text == "just words")
        app.model = "gpt-4o"  # type: ignore[attr-defined]
        await ask(pilot, app, " here")
        sent = demo.chat_requests[-1]
        assert [(i.media_type, i.size) for i in sent.images] == [("image/png", len(PNG))]
        assert sent.messages[-1] == ("user", "just words here")


async def attach_by_dialog(pilot: object, app: object, path: Path) -> None:
    await pilot.press("ctrl+b")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, AttachScreen))  # type: ignore[arg-type,attr-defined]
    await pilot.press(*str(path), "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: not isinstance(app.screen, AttachScreen))  # type: ignore[arg-type,attr-defined]


async def test_files_waiting_with_the_draft_come_back_after_a_restart(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Quit with a draft and two files waiting; the next start shows both again (read back by
    their hash from the history), and Enter sends them; then nothing waits any more."""
    notes, more = tmp_path / "notes.txt", tmp_path / "more notes.md"
    notes.write_text("alpha\n")
    more.write_text("# beta\n")
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "first")
        await attach_by_dialog(pilot, app, notes)
        app.post_message(events.Paste(f"'{more}'"))  # type: ignore[attr-defined]
        bar = chat(app).query_one(AttachedFiles)
        await wait_for(pilot, lambda: len(bar.files) == 2)
        await pilot.press(*"half a thought")
        cid = chat(app).conversation.id  # type: ignore[union-attr]
    notes.unlink()  # what waits is the stored copy, not the file on disk
    again = tooled_app(demo, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(again).conversation is not None)
        assert chat(again).conversation.id == cid  # type: ignore[union-attr]
        bar = chat(again).query_one(AttachedFiles)
        await wait_for(pilot, lambda: [f.name for f in bar.files] == ["notes.txt", "more notes.md"])
        assert chat(again).query_one(PromptInput).text == "half a thought"
        assert "notes.txt (6 bytes), more notes.md (7 bytes)" in str(bar.render())
        await ask(pilot, again, "")  # Enter: the draft and its files go
        assert demo.chat_requests[-1].files == (("notes.txt", 6), ("more notes.md", 7))
        assert bar.files == []
    with open_db() as db:
        assert db.query("SELECT * FROM draft_files") == []
        assert [a.name for a in messages(db, cid)[-2].attachments] == ["notes.txt", "more notes.md"]
    third = tooled_app(demo, tmp_path)
    async with third.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(third).conversation is not None)
        assert chat(third).query_one(AttachedFiles).files == []  # sent: nothing waits


async def test_a_message_of_files_only_is_titled_by_their_names(
    demo: DemoGateway, tmp_path: Path
) -> None:
    (tmp_path / "report.txt").write_text("numbers\n")
    (tmp_path / "plan.txt").write_text("steps\n")
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await attach_by_dialog(pilot, app, tmp_path / "report.txt")
        await attach_by_dialog(pilot, app, tmp_path / "plan.txt")
        await ask(pilot, app, "")  # no text: only the files
        options = app.screen.query_one("#conversation-options", OptionList)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: options.option_count == 1)
        assert "report.txt, plan.txt" in str(options.get_option_at_index(0).prompt)
    with open_db() as db:
        assert [c.title for c in list_conversations(db)] == ["report.txt, plan.txt"]


async def test_a_model_that_refuses_images_says_why(demo: DemoGateway, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        chat(app).query_one(AttachedFiles).add_paths([shot])
        await ask(pilot, app, "what is it")  # deepseek-chat: no images
        answer = chat(app).conversation.turns[-1]  # type: ignore[union-attr]
        assert answer.error is not None
        assert "image_url is only supported by certain models" in answer.error


async def test_a_template_from_the_palette_sets_the_chat_and_the_prefix(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press("ctrl+p", *"template: review")
        await pilot.pause(0.3)
        await pilot.press("enter")
        settings = chat(app).conversation.settings  # type: ignore[union-attr]
        await wait_for(pilot, lambda: chat(app).conversation.settings.model == "gpt-4o-mini")  # type: ignore[union-attr]
        settings = chat(app).conversation.settings  # type: ignore[union-attr]
        assert (settings.system, settings.temperature) == ("You review diffs.", 0.2)
        assert chat(app).query_one(PromptInput).text == "Review this:\n\n"
        await ask(pilot, app, "+ a line")
        sent = demo.chat_requests[-1]
        assert sent.model.id == "gpt-4o-mini"
        assert sent.messages == (
            ("system", "You review diffs."),
            ("user", "Review this:\n\n+ a line"),
        )


async def test_the_parameters_dialog_offers_templates_and_takes_an_alias(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ParamsScreen))  # type: ignore[attr-defined]
        screen = app.screen  # type: ignore[attr-defined]
        screen.query_one("#template", Select).value = "review"
        await wait_for(pilot, lambda: screen.query_one("#model", Input).value == "gpt-4o-mini")
        model = screen.query_one("#model", Input)
        model.value = "mini"  # an alias typed by hand
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ParamsScreen))  # type: ignore[attr-defined]
        settings = chat(app).conversation.settings  # type: ignore[union-attr]
        assert (settings.model, settings.system) == ("gpt-4o-mini", "You review diffs.")
        assert chat(app).query_one(PromptInput).text == "Review this:\n\n"


async def test_an_alias_finds_its_model_in_the_models_panel(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await pilot.press("f3")
        table = app.screen.query_one("#model-table", DataTable)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press(*"cheap")  # in no model's id: found by the alias alone
        await wait_for(pilot, lambda: table.row_count == 1)
        assert table.get_row_at(0)[0].plain == "gpt-4o-mini"


async def test_the_draft_goes_to_the_editor_and_comes_back(
    demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\nt = open(p).read()\n"
        "open(p, 'w').write(t + ' and more from the editor\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        # The headless test driver has no terminal to hand over: suspending is a no-op here
        # (tmux shows the real hand-over); what is tested is the draft's way out and back.
        monkeypatch.setattr(app, "suspend", nullcontext)
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press(*"a draft", "ctrl+s")
        prompt = chat(app).query_one(PromptInput)
        await wait_for(pilot, lambda: prompt.text == "a draft and more from the editor")
        monkeypatch.setenv("EDITOR", "false")
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert prompt.text == "a draft and more from the editor"  # a failed editor changes nothing


async def test_the_cost_preview_counts_the_attached_image_and_drop_forgets_it(
    demo: DemoGateway, tmp_path: Path
) -> None:
    import re

    from tui.ui.widgets.chat.preview import CostPreview

    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        preview = chat(app).query_one(CostPreview)

        def tokens() -> int:
            found = re.search(r"≈ ([\d,]+) tokens", str(preview.render()))
            return int(found.group(1).replace(",", "")) if found else -1

        await pilot.press(*"hi")
        await wait_for(pilot, lambda: 0 < tokens() < 100)
        chat(app).query_one(AttachedFiles).add_paths([shot])
        await wait_for(pilot, lambda: tokens() > 765)  # the image's estimate is in
        await pilot.press("ctrl+p", *"drop attached")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: 0 < tokens() < 100)
        assert chat(app).query_one(AttachedFiles).files == []


async def test_a_cli_conversation_opens_and_goes_on_in_the_app(
    demo: DemoGateway, tmp_path: Path
) -> None:
    from tests.unit.test_cli import tokendeck

    note = tmp_path / "notes.txt"
    note.write_text("alpha\n")
    env = {"TOKENDECK_DEMO_URL": demo.url}
    done = tokendeck("chat", "-a", str(note), "from the command line", env=env, stdin="")
    assert done.returncode == 0, done.stderr
    app = tooled_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
        await wait_for(
            pilot,
            lambda: chat(app).conversation is not None and len(chat(app).conversation.turns) == 2,  # type: ignore[union-attr]
        )
        first = chat(app).conversation.turns[0]  # type: ignore[union-attr]
        assert first.content == "from the command line"
        assert [a.name for a in first.attachments] == ["notes.txt"]
        await ask(pilot, app, "and in the app")
    sent = demo.chat_requests[-1]
    assert sent.history == 2 and sent.files == (("notes.txt", 6),)
    assert sent.messages[-1] == ("user", "and in the app")
