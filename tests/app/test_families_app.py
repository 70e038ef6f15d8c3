"""The app against gateway families (the demo in their dialects, by keys): the billed cost
OpenRouter states is the answer's cost, in USD; a gateway without a balance endpoint is said so
in F5 and the status line, and the minute's refresh asks it nothing more."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.helpers import FIXED_NOW, FrozenClock, screen_text, wait_for
from tui.demo import DEMO_KEY, DemoGateway
from tui.gateway import Secret
from tui.profiles.config import Config, Profile
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.transcript import Transcript
from tui.ui.widgets.status import StatusBar


def family_app(base: str, tmp: Path, **settings: object) -> TokenDeck:
    profile = Profile(name="fam", base_url=base, api_key=Secret(DEMO_KEY),
                      default_model="gpt-4o-mini", **settings)  # type: ignore[arg-type]
    config = Config(path=tmp / "config.toml", data={"cursor_blink": False})
    return TokenDeck(config=config, profile=profile, spec=spec_for(profile), demo=False,
                     clock=FrozenClock(FIXED_NOW))  # fmt: skip


async def test_openrouter_billed_cost_is_the_answers_cost(tmp_path: Path) -> None:
    with DemoGateway(history_rows=5, balance_dialect="openrouter") as demo:
        app = family_app(demo.v1_base, tmp_path, balance="openrouter")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"Explain generators", "enter")
            panel = app.screen.query_one(ChatPanel)
            await wait_for(pilot, lambda: len(panel.conversation.turns) == 2
                           and not panel.streaming)  # fmt: skip
            await app.workers.wait_for_complete()
            answer = panel.conversation.turns[-1]
            meta = app.screen.query_one(Transcript).items[-1].meta
            stored = panel.history.load(panel.conversation.id)
        charged = Decimal(demo.logs[0]["fen"]) / 100
    assert answer.credits == charged and not answer.credits_estimated
    assert f"{charged} USD" in meta and "credits" not in meta and "≈" not in meta
    assert stored is not None
    assert stored.turns[-1].credits == charged and not stored.turns[-1].credits_estimated


async def test_a_usd_log_gives_spend_and_days_left_in_usd(tmp_path: Path) -> None:
    with DemoGateway(history_rows=300, balance_dialect="newapi-token",
                     now=FIXED_NOW.timestamp()) as demo:  # the history ends at the app's now
        app = family_app(demo.v1_base, tmp_path, balance="newapi-token", logs="newapi",
                         unit="USD")  # fmt: skip
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("f4")  # the Usage panel syncs the log
            await wait_for(pilot, lambda: "300/300 rows" in screen_text(app), limit=60)
            usage = screen_text(app)
            await pilot.press("f5")
            await wait_for(pilot, lambda: "Days left" in screen_text(app), limit=30)
            balance = screen_text(app)
    assert "$" in usage.split("300/300 rows")[1].splitlines()[0]
    header = next(line for line in usage.splitlines() if "Time" in line and "Model" in line)
    assert "USD" in header and "Credits" not in header
    rows = usage.splitlines()[usage.splitlines().index(header) + 1 :]
    first_row = next(line for line in rows if ":" in line)  # the first with a time
    assert "—" in first_row, usage  # new-api's rows say no balance after them: not "0"
    assert "Spent today:" in balance and "USD a day" in balance
    assert "not in the log's credits" not in balance


async def test_no_balance_endpoint_is_shown_and_not_asked_again(tmp_path: Path) -> None:
    with DemoGateway(history_rows=5, balance_dialect="openai-hk") as demo:
        app = family_app(demo.v1_base, tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.balance_missing is not None)
            await pilot.press("f5")
            await pilot.pause()
            shown = screen_text(app)
            status = app.screen.query_one(StatusBar).text("balance")
            asked = len(demo.requests)
            for _minute in range(3):  # what the 60 s timer does
                app.refresh_balance()
                await app.workers.wait_for_complete()
            again = len(demo.requests)
            await pilot.press("r")  # asked for: it looks again, once
            await app.workers.wait_for_complete()
            looked = len(demo.requests)
    assert "No balance endpoint" in shown and "offers no balance endpoint" in shown
    assert "Could not refresh" not in shown and "check the base URL" not in shown
    assert status == "no balance endpoint"
    assert again == asked and looked > again


def test_the_dashboard_gives_a_usd_log_cents() -> None:
    from tui.spend.profile_figures import Figures
    from tui.ui.screens.profiles import _spending

    row = Figures("r", unit="USD", today=Decimal("11.84"), burn=Decimal("27.5714"),
                  days_left=Decimal("51.27"), basis="log")  # fmt: skip
    credits = Figures("c", today=Decimal("1184"), burn=Decimal("2757.14"), basis="log")
    assert _spending(row) == {"today": "11.84", "burn": "27.57", "days": "51.3"}
    assert _spending(credits)["burn"] == "2,757"  # credits stay whole


async def test_a_usd_gateway_says_usd_in_the_cost_preview_and_the_comparison(
    tmp_path: Path
) -> None:
    """The cost preview under the input and the compare screen's figures are in the
    profile's unit, as the answer's meta line is (both said 'credits' at a USD gateway)."""
    from tests.app.test_compare_screen import ended, mark
    from tui.profiles.config import ModelPrice
    from tui.ui.screens.compare import CompareScreen
    from tui.ui.widgets.chat.preview import CostPreview

    price = ModelPrice(Decimal("0.01"), Decimal("0.02"))
    with DemoGateway(history_rows=5, balance_dialect="openrouter") as demo:
        app = family_app(demo.v1_base, tmp_path, balance="openrouter", unit="USD",
                         prices={"gpt-4o-mini": price})  # fmt: skip
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.screen.query_one(ChatPanel)
            await wait_for(pilot, lambda: panel.conversation is not None)
            await pilot.press(*"Explain generators")
            preview = app.screen.query_one(CostPreview)
            await wait_for(pilot, lambda: "≈" in str(preview.render()), limit=20)
            said = str(preview.render())
            await mark(pilot, app, ["gpt-4o-mini", "deepseek-chat"])
            await pilot.press("f2", "f7")
            await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
            screen = app.screen
            await wait_for(pilot, lambda: ended(screen))
            await pilot.pause()
            shown = screen_text(app)
    assert "USD" in said and "credits" not in said, said
    assert "USD billed" in shown and "credits" not in shown, shown


async def test_a_streamed_answer_on_litellm_without_a_database_is_estimated_in_usd(
    tmp_path: Path,
) -> None:
    """No balance endpoint, no spend logs, no cost in a stream: /model/info's prices (known from
    software = "litellm", whatever the balance setting) give the answer a USD estimate."""
    from tui.gateway import Gateway

    with DemoGateway(history_rows=5, balance_dialect="litellm") as demo:
        app = family_app(demo.v1_base, tmp_path, balance="none", software="litellm", unit="USD")
        async with Gateway(spec_for(app.profile)) as gw:
            price = {m.id: m for m in await gw.models()}["gpt-4o-mini"]
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"Explain generators", "enter")
            panel = app.screen.query_one(ChatPanel)
            await wait_for(pilot, lambda: len(panel.conversation.turns) == 2
                           and not panel.streaming
                           and panel.conversation.turns[-1].credits is not None)  # fmt: skip
            await pilot.pause()
            answer = panel.conversation.turns[-1]
            meta = app.screen.query_one(Transcript).items[-1].meta
    assert answer.usage is not None and answer.credits_estimated
    assert price.prompt_price is not None and price.completion_price is not None
    expected = (price.prompt_price * answer.usage.prompt_tokens
                + price.completion_price * answer.usage.completion_tokens)  # fmt: skip
    assert answer.credits == expected.quantize(Decimal("0.000001")).normalize()
    assert "USD (estimate)" in meta and "credits" not in meta


async def test_a_usd_logs_grouped_views_head_their_amounts_usd(tmp_path: Path) -> None:
    """Usage's by-day and by-model views said 'Credits' over a new-api log's USD (the rows
    view already said USD)."""
    with DemoGateway(history_rows=30, balance_dialect="newapi-token",
                     now=FIXED_NOW.timestamp()) as demo:  # fmt: skip
        app = family_app(demo.v1_base, tmp_path, balance="newapi-token", logs="newapi",
                         unit="USD")  # fmt: skip
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("f4")
            await wait_for(pilot, lambda: "30/30 rows" in screen_text(app), limit=60)
            await pilot.press("4")  # by model
            await wait_for(pilot, lambda: "Requests" in screen_text(app), limit=30)
            shown = screen_text(app)
            await pilot.press("2")  # by day: its chart's caption
            await wait_for(pilot, lambda: "per day" in screen_text(app), limit=30)
            by_day = screen_text(app)
    header = next(line for line in shown.splitlines() if "Requests" in line)
    assert "USD" in header and "Credits" not in header, header
    assert "USD per day" in by_day and "Credits" not in by_day, by_day


async def test_the_balance_view_of_a_log_without_balance_after_makes_up_no_zero(
    tmp_path: Path,
) -> None:
    """new-api's rows (as one-api's and LiteLLM's) say no balance after each request: Usage's
    Balance view said 'Credits left: 0', 'Runs out about <today>' over a flat line at 0."""
    with DemoGateway(history_rows=300, balance_dialect="newapi-token",
                     now=FIXED_NOW.timestamp()) as demo:  # fmt: skip
        app = family_app(demo.v1_base, tmp_path, balance="newapi-token", logs="newapi",
                         unit="USD", daily_budget=Decimal("0.01"))  # fmt: skip
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("f4")
            await wait_for(pilot, lambda: "300/300 rows" in screen_text(app), limit=60)
            await pilot.press("5")
            await wait_for(pilot, lambda: "Burn rate" in screen_text(app))
            shown = screen_text(app)
    assert "does not say the balance after each request" in shown, shown
    assert "Credits left" not in shown and "Runs out" not in shown
    assert "Burn rate: $" in shown  # in the log's money, not whole credits
    assert "daily budget" in shown  # what the rows do say still counts


async def test_an_access_token_log_gives_the_answer_its_exact_cost(tmp_path: Path) -> None:
    """new-api's access-token mode (/api/log/self with New-Api-User): after the answer the app
    syncs the account's log and the answer shows its own row's cost, joined by request id."""
    from tui.demo.families import ACCESS_TOKEN

    with DemoGateway(history_rows=20, balance_dialect="newapi-token") as demo:
        app = family_app(demo.v1_base, tmp_path, balance="newapi-user", logs="newapi-user",
                         access_token=Secret(ACCESS_TOKEN), user_id="9", unit="USD")  # fmt: skip
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"Explain generators", "enter")
            panel = app.screen.query_one(ChatPanel)
            await wait_for(pilot, lambda: len(panel.conversation.turns) == 2
                           and not panel.streaming and panel.conversation.turns[-1].credits
                           is not None and not panel.conversation.turns[-1].credits_estimated)
            await pilot.pause()
            answer = panel.conversation.turns[-1]
            meta = app.screen.query_one(Transcript).items[-1].meta
        charged = demo.logs[0]
    assert answer.request_id == charged["reqid"]
    assert answer.credits == Decimal(charged["fen"]) / 100
    assert f"{answer.credits} USD" in meta and "≈" not in meta


async def test_no_balance_endpoint_still_shows_the_logs_spend(tmp_path: Path) -> None:
    """A LiteLLM proxy said to have no balance endpoint (balance = "none") but with its spend
    logs: F5 shows today's spend and the burn rate from the log, as it does beside a balance
    (it only said to look at F4), and does not suggest setting balance = "none" again."""
    with DemoGateway(history_rows=200, balance_dialect="litellm",
                     now=FIXED_NOW.timestamp()) as demo:  # fmt: skip
        app = family_app(demo.v1_base, tmp_path, balance="none", logs="litellm", unit="USD")
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.balance_missing is not None)
            await pilot.press("f5")
            await wait_for(pilot, lambda: "Spent today" in screen_text(app), limit=60)
            shown = screen_text(app)
    assert "No balance endpoint" in shown and "USD a day" in shown, shown
    assert "tokendeck probe" not in shown, shown
