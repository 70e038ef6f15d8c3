"""Comparing models against the demo gateway over loopback: the engine (lanes, stats, stops,
per-model failures and rate limits), the history it keeps, the billed costs, and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tests.unit.test_cli import tokendeck, write_config
from tui.chat.compare import Comparison, LaneState, check_models, lanes_for
from tui.chat.compare_report import comparison_markdown
from tui.chat.compare_session import CompareSession
from tui.chat.conversation import Settings
from tui.demo import DemoGateway, Fault
from tui.gateway import ChatParams, Message
from tui.gateway.types import RetryPolicy
from tui.spend.costs import Estimator, apply_costs, prices_from_models
from tui.spend.usage_sync import sync_usage
from tui.store import list_conversations, open_db, search
from tui.store.comparisons import continue_with, is_comparison, load_comparison

MODELS = ["deepseek-chat", "gpt-4o-mini", "qwen-plus"]
ASK = [Message("user", "compare me")]


def _rows_by_reqid(demo: DemoGateway) -> dict[str, dict[str, str]]:
    return {row["reqid"]: row for row in demo.logs}


def test_check_models_wants_two_to_four_distinct() -> None:
    assert check_models(["a", "b", "a", " "]) == ["a", "b"]
    for bad in (["a"], ["a", "a"], ["a", "b", "c", "d", "e"]):
        with pytest.raises(ValueError):
            check_models(bad)


async def test_each_model_streams_its_own_answer_with_its_figures(demo: DemoGateway) -> None:
    steps: list[tuple[int, object]] = []
    async with make_gateway(demo) as gw:
        lanes = lanes_for(MODELS, ASK, 6)
        comparison = Comparison(
            gw, lanes, ChatParams(MODELS[0]), changed=lambda lane, e: steps.append((lane.slot, e))
        )
        await comparison.run()
    asked = [req.model.id for req in demo.chat_requests]
    assert sorted(asked) == sorted(MODELS)  # one request per model, each for its model
    rows = _rows_by_reqid(demo)
    for lane in lanes:
        assert lane.state == LaneState.DONE
        assert lane.text and lane.finish_reason == "stop"
        row = rows[lane.request_id or ""]
        assert row["model"] == lane.model
        assert lane.tokens == int(row["completion_tokens"])  # the gateway's count replaced ours
        assert lane.ttft is not None and lane.ttft >= 0
        assert lane.tokens_per_s() is not None
    assert {slot for slot, _ in steps} == {0, 1, 2}


async def test_a_price_the_gateway_states_is_the_billed_figure_at_once() -> None:
    """OpenRouter states each answer's price in its last chunk (usage.cost): billed with no
    usage log to read."""
    from tests.unit.test_families import gateway, usd

    with DemoGateway(now=1_763_900_000.0, history_rows=5, balance_dialect="openrouter") as demo:
        async with gateway(demo.v1_base) as gw:
            lanes = lanes_for(MODELS[:2], ASK)
            await Comparison(gw, lanes, ChatParams("x")).run()
        rows = _rows_by_reqid(demo)
    for lane in lanes:
        assert lane.billed == usd(rows[lane.request_id or ""]) and not lane.cost_estimated


async def test_a_failing_model_keeps_its_error_and_the_others_go_on(demo: DemoGateway) -> None:
    async with make_gateway(demo) as gw:
        lanes = lanes_for(["deepseek-chat", "no-such-model", "qwen-plus"], ASK)
        await Comparison(gw, lanes, ChatParams("x")).run()
    good, bad, other = lanes
    assert bad.state == LaneState.FAILED and bad.error is not None
    assert "no-such-model" in bad.error.detail
    assert good.state == other.state == LaneState.DONE and good.text and other.text


async def test_a_rate_limit_is_waited_out_by_that_model_alone(demo: DemoGateway) -> None:
    demo.add_fault(Fault("status", status=429, headers={"Retry-After": "7"}))
    sleep = RecordingSleep()
    async with make_gateway(demo, retry=RetryPolicy(attempts=1)) as gw:
        lanes = lanes_for(MODELS, ASK)
        await Comparison(gw, lanes, ChatParams("x"), sleep=sleep).run()
    assert all(lane.state == LaneState.DONE for lane in lanes)
    limited = [lane for lane in lanes if lane.attempts == 2]
    assert len(limited) == 1  # the one that met the 429 asked again ...
    assert sleep.delays == [7.0]  # ... after exactly its Retry-After; nobody else waited
    assert len(demo.chat_requests) == 4


async def test_a_retry_after_too_long_is_reported_not_waited(demo: DemoGateway) -> None:
    demo.add_fault(Fault("status", status=429, headers={"Retry-After": "3600"}, times=-1))
    sleep = RecordingSleep()
    async with make_gateway(demo, retry=RetryPolicy(attempts=1)) as gw:
        lanes = lanes_for(MODELS[:2], ASK)
        await Comparison(gw, lanes, ChatParams("x"), sleep=sleep).run()
    assert all(lane.state == LaneState.FAILED for lane in lanes)
    assert sleep.delays == []


async def test_stop_one_keeps_its_partial_text_and_the_others_finish(demo: DemoGateway) -> None:
    demo.token_rate = 400  # slow enough to stop mid-answer
    async with make_gateway(demo) as gw:
        lanes = lanes_for(MODELS[:2], ASK)

        def changed(lane: object, event: object) -> None:
            if lanes[0].deltas == 5:
                comparison.stop(0)

        comparison = Comparison(gw, lanes, ChatParams("x"), changed=changed)
        await comparison.run()
    stopped, finished = lanes
    assert stopped.state == LaneState.STOPPED and stopped.text
    assert finished.state == LaneState.DONE
    assert len(stopped.text) < len(finished.text)


async def test_bounded_concurrency(demo: DemoGateway) -> None:
    live: list[int] = []
    most = 0

    async with make_gateway(demo) as gw:
        lanes = lanes_for(MODELS, ASK)

        def changed(lane: object, event: object) -> None:
            nonlocal most
            asking = sum(1 for x in lanes if x.state in (LaneState.ASKING, LaneState.STREAMING))
            live.append(asking)
            most = max(most, asking)

        await Comparison(gw, lanes, ChatParams("x"), changed=changed, concurrency=1).run()
    assert most == 1 and all(lane.state == LaneState.DONE for lane in lanes)


async def _session(demo: DemoGateway, db_path: Path, models: list[str]) -> CompareSession:
    db = open_db(db_path)
    gw = make_gateway(demo, retry=RetryPolicy(attempts=1))
    listed = await gw.models()
    estimator = Estimator(db, "t", prices_from_models(listed))

    async def cost_answers() -> None:
        await sync_usage(gw, db, "t")
        apply_costs(db, "t")

    session = CompareSession(
        gw, lanes_for(models, ASK, 6), ChatParams(models[0]), db=db, profile="t",
        settings=Settings(models[0]), prompt="compare me", estimate=estimator.estimate,
        cost_answers=cost_answers,
    )  # fmt: skip
    session.gateway = gw  # type: ignore[attr-defined]
    return session


async def test_billed_credits_equal_the_demo_log_rows(demo: DemoGateway, tmp_path: Path) -> None:
    estimates: dict[int, list[object]] = {}
    session = await _session(demo, tmp_path / "h.db", MODELS)

    def watch(lane: object, event: object) -> None:
        estimates.setdefault(lane.slot, []).append(lane.cost_estimated)  # type: ignore[attr-defined]

    session.changed = watch
    await session.run()
    await session.gateway.aclose()  # type: ignore[attr-defined]
    rows = _rows_by_reqid(demo)
    for lane in session.lanes:
        row = rows[lane.request_id or ""]
        assert lane.billed == Decimal(row["fen"]), lane.model  # the demo's own log row
        assert not lane.cost_estimated
        # while it streamed, an estimate where /models gives a price (qwen-plus has none)
        assert (True in estimates[lane.slot]) == (lane.model != "qwen-plus")
    # the billed figures are what the history keeps
    db = session.db
    assert db is not None and session.conversation_id is not None
    stored = load_comparison(db, session.conversation_id)
    assert stored is not None
    assert [a.message.credits for a in stored.answers] == [lane.billed for lane in session.lanes]
    assert all(not a.message.credits_estimated for a in stored.answers)
    assert all(a.ttft is not None and a.seconds is not None for a in stored.answers)


async def test_saved_once_reopened_exported_found(demo: DemoGateway, tmp_path: Path) -> None:
    session = await _session(demo, tmp_path / "h.db", MODELS[:2])
    await session.run()
    await session.gateway.aclose()  # type: ignore[attr-defined]
    db = session.db
    assert db is not None and session.conversation_id is not None
    cid = session.conversation_id
    listed = list_conversations(db)
    assert [c.id for c in listed] == [cid]  # one entry in the history
    assert listed[0].title == "⚖ compare me"
    assert is_comparison(db, cid)
    stored = load_comparison(db, cid)
    assert stored is not None and [a.message.model for a in stored.answers] == MODELS[:2]
    assert [a.message.content for a in stored.answers] == [lane.text for lane in session.lanes]
    text = comparison_markdown(stored)
    assert "| model | first token | tokens/s | tokens | cost | finish |" in text
    for lane in session.lanes:
        assert f"| {lane.model} |" in text and f"| {lane.billed} | stop |" in text
    word = session.lanes[1].text.split()[3].strip("*#`,.")
    assert any(hit.conversation_id == cid for hit in search(db, word))


async def test_the_winner_continues_the_conversation(demo: DemoGateway, tmp_path: Path) -> None:
    db = open_db(tmp_path / "h.db")
    from tui.store import add_message, create_conversation, messages

    main = create_conversation(db, Settings("deepseek-chat"), "t")
    add_message(db, main, "user", "earlier")
    add_message(db, main, "assistant", "earlier answer")
    db.close()
    session = await _session(demo, tmp_path / "h.db", MODELS[:2])
    await session.run()
    await session.gateway.aclose()  # type: ignore[attr-defined]
    db = session.db
    assert db is not None and session.conversation_id is not None
    cid = session.conversation_id
    winner = session.message_ids[1]
    copied = continue_with(db, cid, winner, main)
    kept = messages(db, main)
    assert [m.role for m in kept] == ["user", "assistant", "user", "assistant"]
    assert kept[2].content == "compare me" and kept[3].id == copied
    assert kept[3].content == session.lanes[1].text and kept[3].model == MODELS[1]
    assert kept[3].credits == session.lanes[1].billed
    assert "compare" not in kept[3].params and not is_comparison(db, main)
    stored = load_comparison(db, cid)
    assert stored is not None and stored.winner is not None
    assert stored.winner.message.id == winner and stored.parent_id == main
    assert len(stored.answers) == 2  # the other answer stays, in the comparison


def test_cli_compare_table_and_billed_costs(demo: DemoGateway, isolated_env: Path) -> None:
    config = write_config(isolated_env, demo)
    done = tokendeck("--config", str(config), "compare", "-m", "deepseek-chat", "-m",
                     "gpt-4o-mini", "what is SSE")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "━━ deepseek-chat ━━" in lines and "━━ gpt-4o-mini ━━" in lines
    head = next(i for i, line in enumerate(lines) if line.startswith("model"))
    assert lines[head].split() == [
        "model", "first", "token", "tokens/s", "tokens", "cost", "(credits)", "finish"
    ]  # fmt: skip
    rows = {line.split()[0]: line.split() for line in lines[head + 1 : head + 3]}
    fen = {row["model"]: row["fen"] for row in demo.logs[:2]}
    for model in ("deepseek-chat", "gpt-4o-mini"):
        assert rows[model][-2] == fen[model]  # billed, not ≈
        assert rows[model][-1] == "stop"
    assert "Saved as conversation" in done.stderr


def test_cli_compare_json_from_stdin(demo: DemoGateway, isolated_env: Path) -> None:
    config = write_config(isolated_env, demo)
    done = tokendeck("--config", str(config), "compare", "--json", "-m", "qwen-plus", "-m",
                     "gpt-4o", stdin="piped prompt\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [a["model"] for a in data["answers"]] == ["qwen-plus", "gpt-4o"]
    rows = _rows_by_reqid(demo)
    for answer in data["answers"]:
        assert answer["cost_basis"] == "billed" and answer["cost_unit"] == "credits"
        assert answer["cost"] == int(rows[answer["request_id"]]["fen"])
        assert answer["finish_reason"] == "stop" and answer["text"]
        # the fields an answer shares with `chat --json` have its names
        assert {"text", "reasoning", "model", "finish_reason", "request_id", "prompt_tokens",
                "completion_tokens", "cost", "cost_basis", "cost_unit"} <= set(answer)  # fmt: skip
    assert demo.chat_requests[-1].prompt == "piped prompt\n"
    exported = tokendeck("--config", str(config), "export", str(data["conversation_id"]))
    assert exported.returncode == 0 and "## Summary" in exported.stdout


def test_cli_compare_needs_two_models(isolated_env: Path) -> None:
    done = tokendeck("compare", "-m", "deepseek-chat", "hello")
    assert done.returncode == 2
    assert "2 to 4" in done.stderr


def test_cli_compare_all_failed_exits_with_the_error(
    demo: DemoGateway, isolated_env: Path
) -> None:
    config = write_config(isolated_env, demo)
    done = tokendeck("--config", str(config), "compare", "-m", "nope-a", "-m", "nope-b", "hi")
    assert done.returncode == 10, done.stderr  # bad request
    assert "nope-a" in done.stderr and "nope-b" in done.stderr


def test_cli_compare_without_a_usable_history_still_answers(
    demo: DemoGateway, isolated_env: Path
) -> None:
    config = write_config(isolated_env, demo)
    data = isolated_env / ".local" / "share" / "tokendeck"
    data.mkdir(parents=True)
    (data / "tokendeck.db").write_bytes(b"this is no database" * 100)
    done = tokendeck("--config", str(config), "compare", "-m", "deepseek-chat", "-m",
                     "gpt-4o-mini", "hello")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "The comparison is not saved." in done.stderr
    assert "━━ deepseek-chat ━━" in done.stdout and "━━ gpt-4o-mini ━━" in done.stdout
    assert (data / "tokendeck.db").read_bytes() == b"this is no database" * 100  # untouched


async def test_a_model_that_answered_nothing_costs_nothing(
    demo: DemoGateway, tmp_path: Path
) -> None:
    """A refused request was billed nothing: it had an estimate from its prompt ('≈0.05' in
    the summary and the history's total), where a chat answer that failed so has none."""
    demo.add_fault(Fault("status", status=400, times=2))  # both refused, priced models
    session = await _session(demo, tmp_path / "h.db", ["deepseek-chat", "gpt-4o-mini"])
    await session.run()
    await session.gateway.aclose()  # type: ignore[attr-defined]
    assert all(lane.state == LaneState.FAILED for lane in session.lanes)
    assert [lane.cost for lane in session.lanes] == [None, None]
    db = session.db
    assert db is not None and session.conversation_id is not None
    stored = load_comparison(db, session.conversation_id)
    assert stored is not None
    assert [a.message.credits for a in stored.answers] == [None, None]


def test_cli_compare_says_a_models_state_in_chinese(demo: DemoGateway, isolated_env: Path) -> None:
    """The summary's finish column said 'failed' (a tokendeck word, not the gateway's finish
    reason) in a Chinese table; --json keeps the word as it is."""
    config = write_config(isolated_env, demo)
    zh = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
    args = ("--config", str(config), "compare", "-m", "deepseek-chat", "-m", "no-such", "x")
    table = tokendeck(*args, env=zh)
    shown = tokendeck(*args[:3], "--json", *args[3:], env=zh)
    assert table.returncode == 0 and shown.returncode == 0, table.stderr + shown.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith("no-such"))
    assert row.split()[-1] == "失败", table.stdout
    answers = json.loads(shown.stdout)["answers"]
    assert [a["finish_reason"] for a in answers] == ["stop", "failed"]
