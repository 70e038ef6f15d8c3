"""Setup finds what a gateway offers: `config init` and the welcome screen run the probe and
save the balance family, the usage log and the unit (no hand-written logs_url), and a default
model the gateway has. Against the demo in each family's dialect and a loopback fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input, Select

from tests.helpers import FIXED_NOW, wait_for
from tests.unit.test_families import fake
from tui.base.clock import FrozenClock
from tui.demo import DEMO_KEY, DemoGateway
from tui.profiles.config import load
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck

MODELS = {"object": "list", "data": [{"id": "mock-a", "object": "model", "created": 1,
                                     "owned_by": "x"}]}  # fmt: skip


def tokendeck(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False,
    )  # fmt: skip


def test_config_init_with_the_opencodex_preset_finds_the_key_log(tmp_path: Path) -> None:
    """The issue's reseller: the opencodex preset gave a profile with no usage log, so report
    exited 9 and budgets passed on "0 spent"; the probe finds new-api's key log."""
    config = tmp_path / "config.toml"
    with DemoGateway(history_rows=40) as demo:
        done = tokendeck(config, "config", "init", "--preset", "opencodex", "--base-url",
                         demo.opencodex_base, "--api-key", DEMO_KEY)  # fmt: skip
        saved = load(config).profiles["opencodex"]
        report = tokendeck(config, "report", "--json")
    assert done.returncode == 0, done.stderr
    assert "usage log newapi" in done.stderr
    assert (saved.balance, saved.logs, saved.logs_url) == ("opencodex", "newapi", None)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["total"]["requests"] == 40


def test_config_init_saves_family_log_and_unit(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    with DemoGateway(history_rows=5, balance_dialect="newapi-token") as demo:
        done = tokendeck(config, "config", "init", "--preset", "custom", "--name", "gw",
                         "--base-url", demo.v1_base, "--api-key", DEMO_KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr
    saved = load(config).profiles["gw"]
    assert (saved.balance, saved.logs, saved.unit) == ("newapi-token", "newapi", "USD")
    assert saved.default_model == "claude-3-5-sonnet"  # the first of its /models


def test_config_init_remembers_a_gateway_without_a_balance_endpoint(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    seen: list[str] = []
    with fake({"/v1/models": (200, MODELS)}, seen) as url:
        done = tokendeck(config, "config", "init", "--preset", "custom", "--name", "gw",
                         "--base-url", url + "/v1", "--api-key", DEMO_KEY)  # fmt: skip
        asked = len(seen)
        balance = tokendeck(config, "balance")
        after = len(seen)
    assert done.returncode == 0, done.stderr
    assert load(config).profiles["gw"].balance == "none"
    assert balance.returncode == 13 and "offers no balance endpoint" in balance.stderr
    assert after == asked  # balance = "none": nothing asked


async def test_welcome_saves_a_default_model_the_gateway_has(tmp_path: Path) -> None:
    """A gateway without the demo's deepseek-chat: the first message used to fail with
    "Invalid model name"; the welcome screen now saves one of its own models."""
    with fake({"/v1/models": (200, MODELS)}) as url:
        config = load(tmp_path / "config.toml")
        config.data["cursor_blink"] = False
        profile = config.profile()
        with DemoGateway(history_rows=5) as demo:
            app = TokenDeck(config=config, profile=profile, spec=spec_for(profile, demo.url),
                            demo=True, clock=FrozenClock(FIXED_NOW), welcome=True,
                            demo_url=demo.url)  # fmt: skip
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_for(pilot, lambda: app.screen.query("#welcome-title"))
                await pilot.press("enter")  # "Add my gateway key"
                app.screen.query_one("#preset", Select).value = "opencodex"
                await pilot.pause()
                app.screen.query_one("#base-url", Input).value = url + "/v1"
                app.screen.query_one("#key", Input).value = "sk-live-anything-at-all-00"
                app.screen.query_one("#key", Input).focus()
                await pilot.press("enter")
                await wait_for(pilot, lambda: not app.screen.query("#welcome-title"))
                await wait_for(pilot, lambda: app.profile.name == "opencodex")
                model = app.model
    saved = load(tmp_path / "config.toml").profiles["opencodex"]
    assert saved.default_model == "mock-a" and model == "mock-a"
    assert saved.balance == "opencodex"  # the preset's, kept
