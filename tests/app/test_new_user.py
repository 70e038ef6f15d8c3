"""What a new user tripped over (issue 21), driven by keys against the demo gateway."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select, Static

from tests.app.test_history import ask, chat
from tests.app.test_usage import open_usage
from tests.faults.cases import CANCEL_ONLY, STALL
from tests.helpers import FIXED_NOW, make_app, recorded_notices, screen_text, wait_for
from tui.base.clock import FrozenClock
from tui.base.textfmt import number
from tui.demo import DEMO_KEY, DemoGateway, Fault
from tui.gateway import Timeouts
from tui.profiles.config import demo_profile, load
from tui.profiles.presets import PRESETS
from tui.profiles.runtime import spec_for
from tui.store import add_message, burn_rate, create_conversation, get_conversation, open_db
from tui.store.records import StoredSettings
from tui.ui.app import TokenDeck
from tui.ui.screens.profiles import ProfilesScreen
from tui.ui.screens.profiles_form import NewKeyScreen, ProfileFormScreen
from tui.ui.widgets.chat.sidebar import ConversationList
from tui.ui.widgets.chat.transcript import Transcript
from tui.ui.widgets.status import StatusBar
from tui.ui.widgets.usage.table import WindowTable


def three_conversations() -> list[int]:
    """Three stored conversations, the newest last."""
    db = open_db()
    ids = []
    for i, title in enumerate(("oldest", "middle", "newest")):
        db.clock = lambda i=i: time.time() - 3600 * (3 - i)
        cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
        add_message(db, cid, "user", f"{title} question")
        ids.append(cid)
    db.close()
    return ids


async def test_rename_keeps_the_highlight_on_the_renamed_conversation(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 2: after `r` the next `p` acts on the conversation just renamed, not the top row."""
    oldest, middle, newest = three_conversations()
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        assert chat(app).conversation.id == newest  # type: ignore[union-attr]
        await pilot.press("ctrl+l")
        options = app.screen.query_one("#conversation-options", OptionList)
        await wait_for(pilot, lambda: app.focused is options)
        await pilot.press("down")
        sidebar = app.screen.query_one(ConversationList)
        assert sidebar.summaries[options.highlighted or 0].id == middle
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.query("#prompt-input"))
        await pilot.press("ctrl+u", *"renamed", "enter")
        await wait_for(pilot, lambda: app.focused is options)
        assert sidebar.summaries[options.highlighted or 0].id == middle
        await pilot.press("p")  # pins the renamed one, nothing else
        await wait_for(pilot, lambda: sidebar.summaries[0].pinned)
    db = open_db()
    assert get_conversation(db, middle).title == "renamed"  # type: ignore[union-attr]
    assert [get_conversation(db, c).pinned for c in (oldest, middle, newest)] == [  # type: ignore[union-attr]
        False,
        True,
        False,
    ]
    db.close()


async def test_edit_banner_goes_once_the_edit_is_sent(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 3: "Editing an earlier message…" is gone after the branch is sent, and stays gone."""
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "tea or coffee")
        original = chat(app).conversation.id  # type: ignore[union-attr]
        banner = chat(app).query_one("#edit-banner")
        await pilot.press("shift+tab", "up", "e")
        assert banner.has_class("-editing")
        await pilot.press("ctrl+a", "ctrl+k", *"tea or cocoa", "enter")
        await wait_for(
            pilot,
            lambda: chat(app).conversation.id != original and not chat(app).streaming,  # type: ignore[union-attr]
        )
        assert not banner.has_class("-editing") and chat(app).editing is None
        await ask(pilot, app, "and milk")
        assert not banner.has_class("-editing")


class TickingClock(FrozenClock):
    """Wall time that moves on a microsecond at every reading, as a real clock does."""

    def now(self) -> datetime:
        self.at += timedelta(microseconds=1)
        return self.at


async def test_usage_range_shows_the_last_7_and_30_days(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 1: `t` from today to 7 d to 30 d shows those rows and totals (it kept today's)."""
    app = make_app(demo, tmp_path)
    app.clock = TickingClock(FIXED_NOW)
    logs = demo.logs
    async with app.run_test(size=(80, 24)) as pilot:
        usage = await open_usage(pilot)
        table = app.screen.query_one("#usage-table", WindowTable)
        for presses, days in ((2, 7), (1, 30)):
            await pilot.press(*["t"] * presses)
            since = (FIXED_NOW - timedelta(days=days)).timestamp()
            inside = [r for r in logs if int(r["ctime"]) >= since]
            assert 0 < len(inside) < len(logs)
            await wait_for(pilot, lambda: usage.totals_shown == usage.row_query())
            assert table.row_count == len(inside)
            totals = str(app.screen.query_one("#usage-totals", Static).render())
            assert f"{number(len(inside))}/" in totals


def fault_app(demo: DemoGateway, tmp_path: Path, timeouts: Timeouts) -> TokenDeck:
    app = make_app(demo, tmp_path)
    app.spec = replace(app.spec, timeouts=timeouts)
    return app


def last_meta(app: TokenDeck) -> str:
    return app.screen.query_one(Transcript).items[-1].meta_text()


@pytest.mark.parametrize(
    ("fault", "timeouts", "escape", "says"),
    [
        (Fault("stall", seconds=120), STALL, False, "cut off before any answer came"),
        (Fault("stall", seconds=120), CANCEL_ONLY, True, "stopped by you before any answer came"),
        (Fault("cut", after=3), CANCEL_ONLY, False, "cut off — partial answer kept"),
    ],
    ids=["stall", "escape-before-first-byte", "cut-with-text"],
)
async def test_an_answer_says_partial_text_was_kept_only_when_some_was(
    demo: DemoGateway,
    tmp_path: Path,
    fault: Fault,
    timeouts: Timeouts,
    escape: bool,
    says: str,
) -> None:
    """Item 12: a silent stall or Esc before the first byte no longer says "partial answer
    kept" over an empty answer."""
    demo.add_fault(fault)
    app = fault_app(demo, tmp_path, timeouts)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = chat(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"hi", "enter")
        if escape:
            await wait_for(pilot, lambda: panel.streaming)
            await pilot.press("escape")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)  # type: ignore[union-attr]
        await pilot.pause()
        turn = panel.conversation.turns[-1]  # type: ignore[union-attr]
        assert bool(turn.content) == ("kept" in says)
        assert says in last_meta(app)
        assert ("partial answer kept" in screen_text(app)) == bool(turn.content)


async def test_explore_the_demo_leaves_the_environment_profile(
    demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 4: with OPENAI_API_KEY set, "Explore the demo" shows the demo (its model, DEMO),
    not the environment's profile with no model chosen."""
    monkeypatch.setenv("OPENAI_API_KEY", DEMO_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", demo.opencodex_base)
    config = load(tmp_path / "config.toml")
    config.data["cursor_blink"] = False
    profile = config.profile()
    assert profile.name == "env"
    app = TokenDeck(
        config=config, profile=profile, spec=spec_for(profile), clock=FrozenClock(FIXED_NOW),
        welcome=True, demo_url=demo.url,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.profile.name == "demo")
        assert app.demo and app.model == "deepseek-chat"
        bar = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bool(bar.text("demo")))
        assert "no model" not in screen_text(app)
        panel = chat(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await ask(pilot, app, "hello demo")
        assert panel.conversation.turns[-1].content  # type: ignore[union-attr]
    saved = load(tmp_path / "config.toml")  # the choice is remembered: no welcome next time,
    assert saved.data == {"welcomed": True}  # and no profile, so OPENAI_API_KEY still gives
    assert saved.profile().name == "env"  # the implicit profile (README)


async def test_the_key_check_is_shown_where_the_eye_is_at_80x24(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 5: Enter in the welcome key field shows the check's result on screen (it was
    below the visible part of the dialog: nothing seemed to happen)."""
    config = load(tmp_path / "config.toml")
    config.data["cursor_blink"] = False
    profile = config.profile()
    app = TokenDeck(
        config=config, profile=profile, spec=spec_for(profile, demo.url), demo=True,
        clock=FrozenClock(FIXED_NOW), welcome=True, demo_url=demo.url,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
        await pilot.press("enter")  # "Add my gateway key"
        key = app.screen.query_one("#key", Input)
        await wait_for(pilot, lambda: app.focused is key)
        await pilot.press("shift+tab", "ctrl+u", *demo.opencodex_base, "tab")
        assert app.focused is key
        await pilot.press(*"sk-live-not-a-real-key", "enter")
        status = app.screen.query_one("#welcome-status", Static)
        await wait_for(pilot, lambda: "rejected this key" in str(status.render()))
        await wait_for(pilot, lambda: "rejected this key" in screen_text(app))
        assert "••••" in screen_text(app)  # the key field is still in sight


async def test_a_new_demo_key_is_offered_as_the_preset_its_shape_names(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 6: F6 → k → s on the demo fills in the openai-hk preset for the hk-… key it made,
    with no warning that the key looks like another gateway's."""
    app = make_app(demo, tmp_path, demo_url=demo.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.press("k", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, NewKeyScreen))
        assert app.screen.key.startswith("hk-")  # type: ignore[attr-defined]
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#preset", Select).value == "openai-hk"
        assert screen.query_one("#base-url", Input).value == PRESETS["openai-hk"].base_url
        assert str(screen.query_one("#key-warning", Static).render()).strip() == ""
        assert "looks like" not in screen_text(app)


async def test_probe_with_a_wrong_key_says_401_first(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 7: the profile editor's Probe with a wrong key shows the gateway's refusal (HTTP
    401) on screen at 80x24, not "family unknown" with the cause below the fold."""
    app = make_app(demo, tmp_path, demo_url=demo.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        form = app.screen
        form.query_one("#preset", Select).value = "custom"
        await pilot.pause()
        form.query_one("#name", Input).value = "wrong"
        form.query_one("#base-url", Input).value = demo.opencodex_base
        form.query_one("#key", Input).value = "sk-live-not-a-real-key-0000"
        await pilot.click("#probe")
        status = form.query_one("#form-status", Static)
        await wait_for(pilot, lambda: "401" in str(status.render()))
        text = str(status.render())
        assert text.splitlines()[0].count("401") == 1  # the cause is the first line
        assert "unknown (chat and models only)" not in text
        await wait_for(pilot, lambda: "401" in screen_text(app))


EMPTY_LIST = '{"object": "list", "data": []}'


async def test_an_empty_model_list_says_so_and_enter_uses_the_typed_id(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 13: no "0 of 0 models" alone but a sentence, and Enter in F3 uses the id typed."""
    demo.add_fault(Fault("status", endpoint="models", status=200, body=EMPTY_LIST, times=-1))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f3")
        panel = app.screen.query_one("#models-panel")
        await wait_for(pilot, lambda: panel.models is not None)  # type: ignore[attr-defined]
        status = app.screen.query_one("#model-status", Static)
        await wait_for(pilot, lambda: "lists no models" in str(status.render()))
        assert "0 of 0" not in screen_text(app)
        await pilot.press(*"gpt-4o-mini", "enter")
        await wait_for(pilot, lambda: app.model == "gpt-4o-mini")
        panel_chat = chat(app)
        await wait_for(pilot, lambda: panel_chat.conversation is not None)
        assert panel_chat.settings.model == "gpt-4o-mini"


async def test_enter_uses_a_typed_id_the_list_lacks(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f3")
        table = app.screen.query_one("#model-table")
        await wait_for(pilot, lambda: table.row_count > 0)  # type: ignore[attr-defined]
        await pilot.press(
            *"my-private-model",
        )
        await wait_for(pilot, lambda: table.row_count == 0)  # type: ignore[attr-defined]
        assert "Enter chats with “my-private-model”" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.model == "my-private-model")


async def test_the_balance_panel_shows_spend_burn_and_days_left_from_the_usage_log(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 10: for a gateway with a usage log, the Balance panel shows today's spend, the
    burn rate and days left (as F6 and `status` do), exact, from the synced log."""
    app = make_app(demo, tmp_path)
    midnight = datetime(2025, 11, 23, tzinfo=UTC).timestamp()  # FIXED_NOW's day (TZ=UTC)
    today = sum(Decimal(r["fen"]) for r in demo.logs if int(r["ctime"]) >= midnight)
    assert today > 0
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f5")
        details = app.screen.query_one("#balance-details", Static)
        await wait_for(pilot, lambda: "Spent today" in str(details.render()))
        text = str(details.render())
        assert f"Spent today: {number(today)} credits" in text
        assert "Burn rate: " in text and "credits a day" in text and "≈" not in text
        burn = burn_rate(app.history.db, "demo", FIXED_NOW)  # what F6 and `status` use
        assert f"Burn rate: {number(burn, 0)} credits a day" in text
        days = Decimal(app.balance.remaining) / burn  # type: ignore[union-attr,arg-type]
        assert f"Days left: {number(days, 1)}" in text


async def test_a_remapped_list_key_is_in_the_list_title_and_unknown_ids_are_warned(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 9: after remapping chat.list the conversation list's title names the new key;
    an unknown binding id is warned about in the app."""
    path = tmp_path / "config.toml"
    path.write_text('cursor_blink = false\n[keymap]\n"chat.list" = "f9"\n"chat.lsit" = "f10"\n'
                    '"chat.regenerate" = "ctrl+y,f8"\n')  # fmt: skip
    config = load(path)
    profile = demo_profile()
    app = TokenDeck(
        config=config, profile=profile, spec=spec_for(profile, demo.url), demo=True,
        clock=FrozenClock(FIXED_NOW),
    )  # fmt: skip
    said = recorded_notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        assert any("chat.lsit" in s for s in said)
        await pilot.press("f9")
        sidebar = app.screen.query_one(ConversationList)
        await wait_for(pilot, lambda: sidebar.has_class("-shown"))
        title = str(sidebar.query_one(".sidebar-title", Static).render())
        assert title == "Conversations (F9)"
        hint = app.screen.query_one(Transcript).hint  # the chat's hint names the keys too
        assert "Ctrl+Y retries" in hint and "F9 lists conversations" in hint
        assert "Ctrl+L" not in hint and "Ctrl+R" not in hint and "Esc stops an answer" in hint


async def test_the_conversation_list_appears_when_the_terminal_grows(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 11: growing past 100 columns shows the conversation list (it stayed hidden)."""
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        sidebar = app.screen.query_one(ConversationList)
        assert not sidebar.has_class("-shown")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: sidebar.has_class("-shown"))
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not sidebar.has_class("-shown"))


async def test_e_on_an_answer_says_why_nothing_is_edited(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 11: `e` on an answer says answers cannot be edited (it did nothing, silently)."""
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "tea or coffee")
        await pilot.press("shift+tab", "e")  # the answer is selected
        await wait_for(
            pilot, lambda: any("cannot be edited" in n.message for n in app._notifications)
        )
        assert chat(app).editing is None
        await pilot.press("up", "e")  # the question: edited as before
        assert chat(app).editing is not None


async def test_the_orphans_banner_goes_when_o_is_pressed_again(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 11: the Orphans banner no longer stays after `o` turns orphans off."""
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_usage(pilot)
        status = app.screen.query_one("#usage-status", Static)
        before = str(status.render())
        await pilot.press("o")
        assert "Orphan charges" in str(status.render())
        await pilot.press("o")
        assert "Orphan charges" not in str(status.render())
        assert str(status.render()) == before


async def test_help_lists_the_apps_keys_before_the_text_editing_ones(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 11: F1 in the chat lists tokendeck's own keys first (with their ids), then the
    prompt's ~30 editing keys (it listed those first)."""
    from tui.ui.screens.help import HelpScreen

    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = app.screen.rows  # type: ignore[attr-defined]
        ids = [bool(binding_id) for _k, _d, binding_id, _g in rows]
        assert ids[0] and False in ids
        first_textual = ids.index(False)
        assert all(ids[:first_textual]) and not any(ids[first_textual:])


async def test_an_edit_branch_and_a_fork_are_told_apart_in_the_list(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 11: an edited-and-resent branch and a fork (both titled "v2") say what they are."""
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await ask(pilot, app, "v1")
        first = chat(app).conversation.id  # type: ignore[union-attr]
        await pilot.press("shift+tab", "up", "e", "ctrl+a", "ctrl+k", *"v2", "enter")
        await wait_for(
            pilot,
            lambda: chat(app).conversation.id != first and not chat(app).streaming,  # type: ignore[union-attr]
        )
        await wait_for(pilot, lambda: len(chat(app).conversation.turns) == 2)  # type: ignore[union-attr]
        edited = chat(app).conversation.id  # type: ignore[union-attr]
        await pilot.press("shift+tab", "f")  # fork the edit branch at its answer
        await wait_for(pilot, lambda: chat(app).conversation.id not in (first, edited))  # type: ignore[union-attr]
        sidebar = app.screen.query_one(ConversationList)
        await wait_for(pilot, lambda: len(sidebar.summaries) == 3)
        options = app.screen.query_one("#conversation-options", OptionList)
        shown = {
            s.id: str(options.get_option_at_index(i).prompt)
            for i, s in enumerate(sidebar.summaries)
        }
        assert "⑂" not in shown[first]
        assert "⑂ v2" in shown[edited] and "edit of “v1”" in shown[edited]
        forked = next(cid for cid in shown if cid not in (first, edited))
        assert "⑂ v2" in shown[forked] and "fork of “v2”" in shown[forked]


@pytest.mark.parametrize(("start", "typed", "target"), [
    ("zh_CN", "language", "en"), ("en", "语言", "zh_CN"), ("zh_CN", "语言", "en"),
])  # fmt: skip
async def test_the_language_switch_is_found_by_either_word(
    demo: DemoGateway, tmp_path: Path, start: str, typed: str, target: str
) -> None:
    """Item 8: in Chinese the palette finds the switch for "language" (it found only "English"
    or "语言"); in English for "语言" too."""
    from tui.base.i18n import current_language, set_language

    set_language(start)
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: chat(app).conversation is not None)
        await pilot.press("ctrl+p", *typed)
        await wait_for(pilot, lambda: "language" in screen_text(app) and "语言" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: current_language() == target)


async def test_a_1_mib_single_line_answer_has_no_blank_row_before_its_last_word(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 14: a 1 MiB answer without a newline is drawn as one run of rows: no blank row
    before its last word."""
    demo.add_fault(Fault("big_line"))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = chat(app)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"hi", "enter")
        await wait_for(
            pilot,
            lambda: len(panel.conversation.turns) == 2 and not panel.streaming,  # type: ignore[union-attr]
            limit=120,
        )
        await pilot.pause()
        item = app.screen.query_one(Transcript).items[-1]
        assert len(item.blocks) > 200  # laid out in chunks, as before
        assert not any(block.spaced for block in item.blocks)  # one paragraph: no blank row
        shown = screen_text(app).splitlines()
        top = next(i for i, row in enumerate(shown) if row.strip() == "deepseek-chat")
        end = next(i for i, row in enumerate(shown) if "tokens" in row)
        rows = [row for row in shown[top + 1 : end] if row != ""]  # (screen_text's spacing)
        assert rows and all(row.strip() for row in rows), rows
        assert rows[-1].strip() == panel.conversation.turns[-1].content[-46:].strip()  # type: ignore[union-attr]


async def test_switching_to_a_profile_whose_key_command_hangs_says_so_and_stays(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """Item 16 in the app: the dashboard and a switch to a profile whose api_key_cmd hangs
    keep the app live, say what is awaited, then that it did not finish; the profile in use
    stays (the switch raised out of the screen's callback before)."""
    import sys

    path = tmp_path / "config.toml"
    hang = f"{sys.executable} -c 'import time; time.sleep(120)'"
    path.write_text(
        'default_profile = "oc"\ncursor_blink = false\n'
        f'[profiles.oc]\nbase_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        f'[profiles.slow]\nbase_url = "{demo.opencodex_base}"\napi_key_cmd = "{hang}"\n'
        "api_key_cmd_timeout = 3\n"
    )
    path.chmod(0o600)
    config = load(path)
    profile = config.profile()
    app = TokenDeck(
        config=config, profile=profile, spec=spec_for(profile), clock=FrozenClock(FIXED_NOW)
    )
    said = recorded_notices(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: any("Waiting for the key command" in s for s in said))
        assert app.is_running and app.profile.name == "oc"
        await wait_for(pilot, lambda: any("did not finish within 3 s" in s for s in said))
        await pilot.pause()
        assert app.is_running and app.profile.name == "oc"
