"""`tokendeck compare -m A -m B [-m ...] PROMPT`: one prompt to several models at once; the
answers, then a summary (time to first token, tokens/s, tokens, cost billed or estimated,
finish reason). Saved in the history as one comparison."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from dataclasses import replace
from functools import partial

from ..base.i18n import _
from ..base.textfmt import literal, number, table, truncate
from ..chat.compare import MAX_MODELS, Lane, LaneState, check_models, lanes_for
from ..chat.compare_report import RIGHT, cells, headers, row_of_lane, state_word
from ..chat.compare_session import CompareSession
from ..chat.context import text_tokens
from ..chat.conversation import Settings
from ..gateway import ChatEvent, ChatParams, ExitCode, Gateway, GatewayError, Message
from ..gateway.errors import retry_sentence
from ..gateway.families import cost_unit
from ..gateway.types import RetryPolicy
from ..profiles.config import Profile, load
from ..profiles.runtime import demo_for, spec_for
from ..spend.costs import Estimator, prices_from_config, prices_from_models
from ..spend.money import unit_label
from ..spend.service import UsageService
from ..store import Database, StoreError, open_db
from .chat_cmds import read_prompt  # the same prompt and stdin rules as `chat`
from .errors import UsageError
from .output import dump_json, err, out


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    try:  # a model may be named by its [aliases] name, as in `chat -m`
        models = check_models([config.model_id(m) for m in args.model or []])
    except ValueError:
        raise UsageError(
            _("compare needs 2 to {most} different models: -m A -m B ...").format(
                most=MAX_MODELS
            )
        ) from None
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError(_("--concurrency must be 1 or more"))
    prompt = read_prompt(args)
    for warning in config.warnings:
        err(warning)
    profile = config.profile(args.profile)
    with demo_for(profile) as demo:
        spec = spec_for(profile, demo.url if demo else None)
        # The engine waits out a 429 or a busy gateway per model, saying so: no hidden retries.
        spec = replace(spec, retry=RetryPolicy(attempts=1))
        return asyncio.run(_compare(spec, args, profile, models, prompt))


def _open_history() -> Database | None:
    try:
        return open_db()
    except StoreError as exc:
        err(_("{problem} The comparison is not saved.").format(problem=exc.message))
        return None


async def _compare(
    spec: object, args: argparse.Namespace, profile: Profile, models: list[str], prompt: str
) -> int:
    db = _open_history()
    try:
        async with Gateway(spec) as gw:  # type: ignore[arg-type]
            session = await _session(gw, db, args, profile, models, prompt)
            try:
                await session.run()
            finally:
                if isinstance(session.changed, _Progress):
                    session.changed.clear()
            return _print(session, args)
    finally:
        if db is not None:
            db.close()


async def _session(
    gw: Gateway,
    db: Database | None,
    args: argparse.Namespace,
    profile: Profile,
    models: list[str],
    prompt: str,
) -> CompareSession:

    system = args.system if args.system is not None else profile.system_prompt
    messages = ([Message("system", system)] if system else []) + [Message("user", prompt)]
    params = ChatParams(
        models[0],
        temperature=args.temperature if args.temperature is not None else profile.temperature,
        top_p=args.top_p if args.top_p is not None else profile.top_p,
        max_tokens=args.max_tokens if args.max_tokens is not None else profile.max_tokens,
        stop=profile.stop,
    )
    try:
        listed = await gw.models()  # per-token prices, for the estimates
    except GatewayError:
        listed = []
    estimate = None
    if db is not None:
        estimator = Estimator(
            db, profile.name, prices_from_models(listed), prices_from_config(profile.prices)
        )
        estimate = estimator.estimate
    cost_answers = None
    if db is not None and gw.has_logs:  # the usage log's rows give the billed figures


        cost_answers = partial(UsageService().cost_answers, gw, db, profile)
    settings = Settings(models[0], system or "", params.temperature, params.top_p,
                        params.max_tokens, params.stop)  # fmt: skip
    estimate_tokens = sum(text_tokens(m.content) + 4 for m in messages)
    lanes = lanes_for(models, messages, estimate_tokens)
    session = CompareSession(
        gw, lanes, params,
        db=db, profile=profile.name, settings=settings, prompt=prompt,
        estimate=estimate, cost_answers=cost_answers,
        changed=_Progress(lanes), report=lambda exc: err(exc.message),
        concurrency=args.concurrency,
    )  # fmt: skip
    # what costs are counted in: the profile's unit, else its family's (USD where the gateway
    # states prices or logs in USD), as `tokendeck chat` says
    session.unit = profile.unit or cost_unit(gw.spec)
    return session


class _Progress:
    """On stderr: a model waiting out a rate limit; on a terminal also one line of every
    model's state and tokens so far, redrawn at most 4 times a second (the answers themselves
    are printed whole at the end, one after the other)."""

    EVERY = 0.25  # seconds between two redraws

    def __init__(self, lanes: list[Lane]) -> None:
        self.lanes = lanes
        self.live = sys.stderr.isatty()
        self.shown = False
        self._next = 0.0

    def __call__(self, lane: Lane, event: ChatEvent | None) -> None:
        error = lane.acc.result.error
        if event is None and lane.state == LaneState.WAITING and error is not None:
            wait = max(0.0, (lane.retry_at or 0.0) - time.perf_counter())  # the engine's clock
            self.clear()
            err(f"{lane.model}: {retry_sentence(error, wait)}")
        now = time.perf_counter()
        if not self.live or (now < self._next and event is not None):
            return
        self._next = now + self.EVERY
        parts = [f"{x.model} {number(x.tokens) if x.deltas else state_word(x.state)}"
                 for x in self.lanes]  # fmt: skip
        width = shutil.get_terminal_size().columns - 1
        sys.stderr.write("\r\033[K" + truncate(literal("  ·  ".join(parts)), width))
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.shown = False


def _print(session: CompareSession, args: argparse.Namespace) -> int:
    lanes = session.lanes
    rows = [row_of_lane(lane) for lane in lanes]
    if args.json:
        dump_json({
            "conversation_id": session.conversation_id,
            "answers": [
                {**row.as_json(), "cost_unit": session.unit if row.cost is not None else None,
                 "text": lane.result.content,
                 "reasoning": lane.result.reasoning, "request_id": lane.request_id,
                 "prompt_tokens": lane.result.usage.prompt_tokens if lane.result.usage else None}
                for lane, row in zip(lanes, rows, strict=True)
            ],
        })  # fmt: skip
    else:
        shown = literal if sys.stdout.isatty() else str
        for lane in lanes:
            out(f"━━ {lane.model} ━━")
            text = lane.result.content
            if text:
                out(shown(text), end="" if text.endswith("\n") else "\n", data=True)
            if lane.result.error is not None:
                out(_("(failed: {problem})").format(problem=lane.result.error.detail))
            out()
        out(table(headers(unit_label(session.unit)), [cells(r) for r in rows], right=RIGHT))
        if any(r.estimated for r in rows):
            out(_("≈: estimated; the usage log has not confirmed this cost yet."))
        if session.conversation_id is not None:
            err(_("Saved as conversation {id} (`tokendeck export {id}`).").format(
                id=session.conversation_id))  # fmt: skip
    for lane in lanes:
        if lane.result.error is not None:
            err(f"{lane.model}: {lane.result.error.detail}")
    done = [lane for lane in lanes if lane.state == LaneState.DONE]
    if done:
        return ExitCode.OK
    first = next((lane.result.error for lane in lanes if lane.result.error), None)
    return first.exit_code if first is not None else ExitCode.ERROR
