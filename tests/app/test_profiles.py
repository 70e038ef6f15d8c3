"""The profiles dashboard, driven by keys against demo gateways of different dialects on
127.0.0.1: balances of both, switching, adding a profile (key hidden, saved 0600), a probe that
never chats, and a new openai-hk key shown once, copied and saved as a profile."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from tests.helpers import DEMO_NOW, FIXED_NOW, screen_text, wait_for
from tui.base.clock import FrozenClock
from tui.demo import DEMO_HK_KEY, DEMO_KEY, DemoGateway
from tui.profiles.config import load
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck
from tui.ui.screens.profiles import ProfilesScreen
from tui.ui.screens.profiles_form import NewKeyScreen, ProfileFormScreen


@pytest.fixture
def deepseek() -> Iterator[DemoGateway]:
    with DemoGateway(now=DEMO_NOW, seed=11, balance_dialect="deepseek") as gateway:
        yield gateway


def config_file(tmp: Path, demo: DemoGateway, deepseek: DemoGateway) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        'default_profile = "oc"\ncursor_blink = false\n'
        f'[profiles.oc]\nbase_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        f'logs_url = "{demo.logs_url}"\ncreate_url = "{demo.create_url}"\n'
        f'[profiles.ds]\nbase_url = "{deepseek.url}/v1"\napi_key = "{DEMO_KEY}"\n'
        'balance = "deepseek"\n'
    )
    path.chmod(0o600)
    return path


def app_for(path: Path, demo_url: str | None = None) -> TokenDeck:
    config = load(path)
    profile = config.profile()
    return TokenDeck(
        config=config, profile=profile, spec=spec_for(profile, demo_url),
        demo=profile.demo, clock=FrozenClock(FIXED_NOW), demo_url=demo_url,
    )  # fmt: skip


def rows(app: TokenDeck) -> dict[str, list[str]]:
    table = app.screen.query_one("#profiles-table", DataTable)
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}


def loaded(app: TokenDeck) -> bool:
    screen = app.screen
    return isinstance(screen, ProfilesScreen) and len(screen.figures) == len(screen.profiles())


def chats(*gateways: DemoGateway) -> list[tuple[str, str]]:
    return [r for g in gateways for r in g.requests if r[1].endswith("/chat/completions")]


async def open_dashboard(pilot: Pilot[Any], app: TokenDeck) -> None:
    await pilot.press("f6")
    await wait_for(pilot, lambda: loaded(app))
    await pilot.pause()


async def test_the_dashboard_shows_both_balances_and_switches_by_one_key(
    demo: DemoGateway, deepseek: DemoGateway, tmp_path: Path
) -> None:
    app = app_for(config_file(tmp_path, demo, deepseek))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot, app)
        shown = rows(app)
        assert list(shown) == ["oc", "ds"]
        assert shown["oc"][0] == "●" and shown["oc"][2] == "opencodex"
        assert shown["oc"][3] == f"{demo.balance:,} credits"
        assert shown["ds"][2] == "deepseek"
        assert shown["ds"][3] == f"{Decimal(deepseek.balance) / 100:,.2f} CNY"
        assert shown["oc"][4] != "—" and shown["ds"][4] == "—"  # only oc has a usage log
        screen = app.screen
        assert isinstance(screen, ProfilesScreen)
        assert screen.figures["oc"].today is not None and screen.figures["oc"].burn is not None
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.profile.name == "ds" and app.balance is not None)
        assert not isinstance(app.screen, ProfilesScreen)
        assert app.balance is not None and app.balance.dialect == "deepseek"
    assert not chats(demo, deepseek)


async def test_a_failing_profile_shows_its_error_in_its_row_only(
    demo: DemoGateway, deepseek: DemoGateway, tmp_path: Path
) -> None:
    path = config_file(tmp_path, demo, deepseek)
    path.write_text(path.read_text() + '[profiles.gone]\nbase_url = "http://127.0.0.1:9/v1"\n'
                    'api_key_env = "NO_SUCH_KEY_VAR"\n')  # fmt: skip
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot, app)
        shown = rows(app)
        assert shown["gone"][3] == "error" and shown["oc"][3].endswith("credits")
        await pilot.press("down", "down")
        detail = str(app.screen.query_one("#profiles-detail", Static).render())
        assert "NO_SUCH_KEY_VAR" in detail


async def test_add_a_profile_in_the_app_key_hidden_and_saved_0600(
    demo: DemoGateway, deepseek: DemoGateway, tmp_path: Path
) -> None:
    path = config_file(tmp_path, demo, deepseek)
    app = app_for(path)
    key = "hk-demo-typed-by-hand-0001"
    demo.ledger.add_key(key)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot, app)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        form = app.screen
        form.query_one("#preset", Select).value = "custom"
        await pilot.pause()
        form.query_one("#name", Input).value = "mine"
        form.query_one("#base-url", Input).value = demo.openai_hk_base
        form.query_one("#key", Input).focus()
        await pilot.press(*key)
        assert key not in screen_text(app)  # typed into a password field: never echoed
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await wait_for(pilot, lambda: "mine" in rows(app) and loaded(app))
        assert rows(app)["mine"][3].endswith("credits")
    saved = load(path)
    assert saved.profiles["mine"].api_key is not None
    assert saved.profiles["mine"].api_key.reveal() == key
    assert saved.default_profile == "oc"  # adding does not change the default
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not chats(demo, deepseek)


async def test_probe_from_the_form_reports_the_family_without_chatting(
    demo: DemoGateway, deepseek: DemoGateway, tmp_path: Path
) -> None:
    app = app_for(config_file(tmp_path, demo, deepseek))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot, app)
        await pilot.press("down", "e")  # edit ds: the key field stays empty (kept)
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        assert app.screen.query_one("#key", Input).value == ""
        await pilot.click("#probe")
        status = app.screen.query_one("#form-status", Static)
        await wait_for(pilot, lambda: "family" in str(status.render()))
        text = str(status.render())
        assert "deepseek" in text and "CNY" in text and DEMO_KEY not in text
    assert not chats(demo, deepseek)
    assert ("GET", "/user/balance") in deepseek.requests


async def test_a_new_key_is_shown_once_copied_and_saved_as_a_profile(
    demo: DemoGateway, deepseek: DemoGateway, tmp_path: Path
) -> None:
    path = config_file(tmp_path, demo, deepseek)
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dashboard(pilot, app)
        await pilot.press("k")
        await pilot.press("y")  # confirm: it creates a key on the account
        await wait_for(pilot, lambda: isinstance(app.screen, NewKeyScreen))
        screen = app.screen
        assert isinstance(screen, NewKeyScreen)
        new_key = screen.key
        assert new_key.startswith("hk-demo") and demo.ledger.is_valid(new_key)
        assert new_key in str(screen.query_one("#new-key-value", Static).render())
        await pilot.press("c")
        assert app.clipboard == new_key
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileFormScreen))
        assert app.screen.query_one("#name", Input).value == "oc-2"
        assert new_key not in screen_text(app)  # prefilled, but hidden
        await pilot.click("#save")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await wait_for(pilot, lambda: "oc-2" in rows(app))
    saved = load(path).profiles["oc-2"]
    assert saved.api_key is not None and saved.api_key.reveal() == new_key
    assert demo.requests.count(("GET", "/openai/sk/create")) == 1


def test_snapshot_of_the_dashboard(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    with (
        DemoGateway(now=DEMO_NOW, seed=7) as demo,
        DemoGateway(now=DEMO_NOW, seed=11, balance_dialect="deepseek") as ds,
    ):
        path = tmp_path / "config.toml"
        path.write_text(
            'default_profile = "opencodex"\ncursor_blink = false\n'
            f'[profiles.opencodex]\nbase_url = "{demo.opencodex_base}"\n'
            f'api_key = "{DEMO_KEY}"\nlogs_url = "{demo.logs_url}"\n'
            f'[profiles.deepseek]\nbase_url = "{ds.url}/v1"\napi_key = "{DEMO_HK_KEY}"\n'
        )
        path.chmod(0o600)
        app = app_for(path)

        async def run_before(pilot: Pilot[Any]) -> None:
            await open_dashboard(pilot, app)
            await app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_without_a_usage_log_two_readings_an_hour_apart_give_a_burn_rate(
    demo: DemoGateway, deepseek: DemoGateway, tmp_path: Path
) -> None:
    from datetime import timedelta

    path = config_file(tmp_path, demo, deepseek)
    path.write_text(path.read_text().replace('default_profile = "oc"', 'default_profile = "ds"'))
    app = app_for(path)
    clock = app.clock
    assert isinstance(clock, FrozenClock)

    def details() -> str:
        return str(app.screen.query_one("#balance-details", Static).render())

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)  # the first reading, 12:00
        await pilot.press("f5")
        await wait_for(pilot, lambda: "not enough history yet" in details())
        deepseek.balance -= 250  # 2.50 CNY spent
        clock.at = FIXED_NOW + timedelta(hours=1)
        await pilot.press("r")  # the second reading, 13:00
        await wait_for(pilot, lambda: "a day" in details())
        left = Decimal(deepseek.balance) / 100
        days = f"{left / 60:,.1f}"  # 2.50 an hour: 60.00 a day
        shown = details()
        assert "Spent today: ≈2.50 CNY" in shown and "Burn rate: ≈60.00 CNY a day" in shown
        assert f"Days left: ≈{days}" in shown and "from balance readings" in shown

        await open_dashboard(pilot, app)
        shown_rows = rows(app)
        assert shown_rows["ds"][4:] == ["≈2.50", "≈60.00", f"≈{days}"]
        assert "≈" not in "".join(shown_rows["oc"])  # a usage log: its exact figures
        screen = app.screen
        assert isinstance(screen, ProfilesScreen)
        assert screen.figures["ds"].basis == "balance" and screen.figures["oc"].basis == "log"
        await pilot.press("down")  # ds
        detail = str(screen.query_one("#profiles-detail", Static).render())
        assert "from balance readings" in detail and "top-ups" in detail
    assert not chats(demo, deepseek)
