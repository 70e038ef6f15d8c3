"""config.toml is never written from a stale copy: each write re-reads the file under a lock,
applies only its own change, keeps the user's comments, writes through a symlink and stays
0600; profiles added by another process appear in a running app without a restart."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from tests.helpers import FIXED_NOW, wait_for
from tui.base.clock import FrozenClock
from tui.demo import DEMO_KEY, DemoGateway
from tui.profiles.config import ConfigError, load
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck
from tui.ui.screens.profiles import ProfilesScreen
from tui.ui.screens.profiles_form import ProfileFormScreen

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = """\
# my tokendeck settings (kept in dotfiles)
default_profile = "main"  # the one I use most

[profiles.main]
base_url = "{base}"   # the demo, for now
api_key = "sk-live-demo0000000000000000"
default_model = "gpt-4o-mini"

# a cheap model for quick questions
[profiles.main.prices]
"gpt-4o-mini" = 1.5
"""
COMMENTS = ("# my tokendeck settings (kept in dotfiles)", "# the one I use most",
            "# the demo, for now", "# a cheap model for quick questions")  # fmt: skip


def dotfiles_config(home: Path, base: str) -> tuple[Path, Path]:
    """config.toml as a symlink into a dotfiles folder: (the link, its target)."""
    target = home / "dotfiles" / "tokendeck.toml"
    target.parent.mkdir()
    target.write_text(ORIGINAL.format(base=base))
    target.chmod(0o600)
    link = home / ".config" / "tokendeck" / "config.toml"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    return link, target


def add_profile(link: Path, name: str, base: str) -> subprocess.CompletedProcess[str]:
    """`tokendeck config init` in a process of its own, as in another shell."""
    return subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(link), "config", "init", "--preset",
         "custom", "--name", name, "--base-url", base, "--api-key-env", "SOME_KEY",
         "--no-check"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


def check_file(link: Path, target: Path) -> str:
    assert link.is_symlink() and link.resolve() == target  # still the dotfiles link
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text()
    for comment in COMMENTS:
        assert comment in text, comment
    return text


def test_a_stale_copy_writes_only_its_own_change(isolated_env: Path, demo: DemoGateway) -> None:
    link, target = dotfiles_config(isolated_env, demo.opencodex_base)
    stale = load(link)  # as the app holds it from its start
    done = add_profile(link, "added", demo.opencodex_base)
    assert done.returncode == 0, done.stderr
    stale.set("theme", "textual-light")
    stale.save()
    text = check_file(link, target)
    fresh = load(link)
    assert set(fresh.profiles) == {"main", "added"} and fresh.theme == "textual-light"
    assert set(stale.profiles) == {"main", "added"}  # the copy now knows the new profile
    assert fresh.profiles["main"].prices["gpt-4o-mini"].prompt == 1.5
    assert text.startswith(ORIGINAL.format(base=demo.opencodex_base).split("\n[")[0])

    stale.put_profile("main", {**fresh.data["profiles"]["main"], "default_model": "gpt-4o"})
    added_elsewhere = add_profile(link, "third", demo.opencodex_base)
    assert added_elsewhere.returncode == 0
    stale.save()
    check_file(link, target)
    again = load(link)
    assert set(again.profiles) == {"main", "added", "third"}
    assert again.profiles["main"].default_model == "gpt-4o"
    assert again.profiles["main"].prices["gpt-4o-mini"].prompt == 1.5


def test_concurrent_writers_lose_nothing(isolated_env: Path, demo: DemoGateway) -> None:
    link, target = dotfiles_config(isolated_env, demo.opencodex_base)
    names = [f"p{i}" for i in range(6)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tui", "--config", str(link), "config", "init", "--preset",
             "custom", "--name", name, "--base-url", demo.opencodex_base, "--api-key-env", "K",
             "--no-check"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, text=True,
        )  # fmt: skip
        for name in names
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    check_file(link, target)
    assert set(load(link).profiles) == {"main", *names}


def test_a_broken_file_is_left_as_it_is(isolated_env: Path, demo: DemoGateway) -> None:
    link, target = dotfiles_config(isolated_env, demo.opencodex_base)
    stale = load(link)
    target.write_text("theme = \n")  # someone is half way through an edit
    stale.set("theme", "textual-light")
    with pytest.raises(ConfigError, match="not valid TOML"):
        stale.save()
    assert target.read_text() == "theme = \n"


async def test_the_app_sees_new_profiles_and_keeps_them_when_it_saves(
    isolated_env: Path, demo: DemoGateway
) -> None:
    link, target = dotfiles_config(isolated_env, demo.opencodex_base)
    config = load(link)
    profile = config.profile()
    app = TokenDeck(config=config, profile=profile, spec=spec_for(profile),
                    clock=FrozenClock(FIXED_NOW))  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f6")
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        done = add_profile(link, "added", demo.opencodex_base)
        assert done.returncode == 0, done.stderr
        await wait_for(pilot, lambda: "added" in [str(k.value) for k in table.rows])
        await pilot.press("a")  # a profile added in the app too, by its form
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        form = app.screen
        form.query_one("#preset", Select).value = "custom"
        await pilot.pause()
        form.query_one("#name", Input).value = "mine"
        form.query_one("#base-url", Input).value = demo.opencodex_base
        form.query_one("#key", Input).focus()
        await pilot.press(*DEMO_KEY, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: "mine" in [str(k.value) for k in table.rows])
        await pilot.press("escape")
        app.theme = "textual-light"  # what the palette's theme command does
        await pilot.pause()
        from tui.ui.langswitch import switch_language

        await switch_language(app, "zh_CN")
        await pilot.pause()
    text = check_file(link, target)
    fresh = load(link)
    assert set(fresh.profiles) == {"main", "added", "mine"}
    assert fresh.theme == "textual-light" and fresh.language == "zh_CN"
    assert "added" in text and os.path.islink(link)
