"""`tokendeck chat`: ask a model, kept as a conversation in the app's history (continued with
-c / --cid), with stdin as material, attached files, templates, $EDITOR, --json and --usage."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import asdict, dataclass, field
from typing import IO, TYPE_CHECKING, Any

from ..base.i18n import _
from ..base.textfmt import approx, literal, number, plain
from ..chat.context import ASSUMED_WINDOW, Limits, plan, texts_of, windows_for
from ..chat.conversation import Conversation, Status, Turn
from ..chat.history import Answer, History
from ..chat.presets import profile_settings, with_choices, with_template
from ..chat.prompt_input import (
    Attachment,
    AttachmentError,
    EditorError,
    compose,
    edit_text,
    read_attachments,
    read_material,
)
from ..gateway import (
    ChatAccumulator,
    ChatResult,
    ContentDelta,
    ExitCode,
    Gateway,
    GatewayError,
    Model,
    ReasoningDelta,
)
from ..gateway.errors import retry_sentence
from ..gateway.families import cost_unit
from ..profiles.config import Config, Profile, load
from ..profiles.runtime import demo_for, spec_for
from ..profiles.templates import Template, unknown_template
from ..spend.costs import Estimator, apply_costs, prices_from_config, prices_from_models
from ..spend.money import unit_label
from ..store import StoreError, open_db
from .output import dump_json, err
from .run import UsageError, silence_stdout

if TYPE_CHECKING:
    from ..store import Database

WINDOW_ASKED = ASSUMED_WINDOW // 8  # estimated tokens from which the model's window is fetched


@dataclass
class Request:
    """What the command line asks for, read before any network or store."""

    text: str
    attachments: list[Attachment] = field(default_factory=list)
    template: Template | None = None


@dataclass
class Outcome:
    """How the answer ended, for --json and --usage."""

    result: ChatResult
    turn: Turn
    conversation_id: int | None
    billed: bool = False
    unit: str = "credits"  # what the cost is counted in: the profile's unit, else its family's


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    for warning in config.warnings:
        err(warning)
    request = _request(args, config, sys.stdin)
    history = _history(args)
    try:
        conversation = _conversation(args, history)
        profile = _profile(args, config, conversation, history)
        if conversation is None:
            conversation = Conversation(profile_settings(profile))
        _settle(args, config, conversation, request)
        if not conversation.settings.model:
            raise UsageError(
                _(
                    "no model: pass -m MODEL or set default_model in the profile "
                    "(see `tokendeck models`)"
                )
            )
        with demo_for(profile) as demo:
            spec = spec_for(profile, demo.url if demo else None)
            return asyncio.run(_ask(spec, args, profile, history, conversation, request))
    finally:
        if history is not None:
            history.close()


# ---- the request ----------------------------------------------------------------------------


def _request(args: argparse.Namespace, config: Config, stdin: IO[str] | None) -> Request:
    """Prompt words (the instruction), stdin (the material), files and template: usage errors
    (exit 2) before anything is sent."""
    template = None
    if args.template:
        template = config.templates.get(args.template)
        if template is None:
            raise UsageError(unknown_template(args.template, config.templates, config.path))
    try:
        attachments = read_attachments(args.attach)
    except AttachmentError as exc:
        raise UsageError(str(exc)) from None
    words = [] if args.prompt == ["-"] else args.prompt
    instruction = " ".join(words)
    material = read_material(stdin)
    if args.edit:
        try:
            instruction = edit_text(instruction, stdin=_terminal(stdin))
        except EditorError as exc:
            raise UsageError(str(exc)) from None
    text = compose(instruction, material, template.prefix if template else "")
    if not text and not attachments:
        if not words and material is None and not args.edit:
            raise UsageError(_("no prompt: pass it as an argument or pipe it on stdin"))
        raise UsageError(_("the prompt is empty"))
    return Request(text, attachments, template)


def read_prompt(args: argparse.Namespace, stdin: IO[str] | None = None) -> str:
    """The message text of `args.prompt` and piped stdin, as `tokendeck chat` composes it (for
    commands that take a prompt the same way, such as compare); UsageError when empty."""
    words = [] if args.prompt == ["-"] else list(args.prompt)
    material = read_material(sys.stdin if stdin is None else stdin)
    text = compose(" ".join(words), material)
    if not text:
        if not words and material is None:
            raise UsageError(_("no prompt: pass it as an argument or pipe it on stdin"))
        raise UsageError(_("the prompt is empty"))
    return text


def _terminal(stdin: IO[str] | None) -> IO[str] | None:
    """What the editor reads keys from: stdin when it is the terminal, else /dev/tty."""
    if stdin is not None and not stdin.closed and stdin.isatty():
        return None
    try:
        return open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - the editor's stdin
    except OSError:
        return None


def _history(args: argparse.Namespace) -> History | None:
    """The history store: needed to continue, written unless --no-save. A store that cannot
    be opened is said once; a new chat then goes on unsaved (the answer is not lost)."""
    if args.no_save and not (args.cont or args.cid is not None):
        return None
    history = History.open("", lambda exc: err(exc.message))
    if not history.available and (args.cont or args.cid is not None):
        raise UsageError(_("cannot continue: the history store is not available"))
    return history


def _conversation(args: argparse.Namespace, history: History | None) -> Conversation | None:
    if history is None or not (args.cont or args.cid is not None):
        return None
    # -p NAME -c: that profile's latest chat (another gateway's would be sent to this one)
    cid = args.cid if args.cid is not None else history.latest(args.profile)
    if cid is None:
        raise UsageError(_("nothing to continue: no conversation is stored yet"))
    if history.comparison(cid) is not None:
        problem = _(
            "conversation {id} is a comparison of models: continue one of its answers in the "
            "app (F2, Ctrl+L), or start a chat"
        )
        raise UsageError(problem.format(id=cid))
    found = history.load_all(cid)
    if found is None:
        raise UsageError(_("no conversation with id {id} (see `tokendeck history`)").format(id=cid))
    return found


def _profile(
    args: argparse.Namespace,
    config: Config,
    conversation: Conversation | None,
    history: History | None,
) -> Profile:
    """--profile, else the continued conversation's own profile, else the default one."""
    name = args.profile
    if name is None and conversation is not None and conversation.id is not None:
        stored = history.profile_of(conversation.id) if history is not None else None
        if stored and (stored in config.profiles or stored == "demo"):
            name = stored
    profile = config.profile(name)
    if history is not None:
        history.profile = profile.name
    return profile


def _settle(
    args: argparse.Namespace, config: Config, conversation: Conversation, request: Request
) -> None:
    """The conversation's settings for this answer: stored (or the profile's), then the
    template, then the flags; aliases resolved."""
    settings = with_template(conversation.settings, request.template, config.aliases)
    conversation.settings = with_choices(
        settings, config.aliases,
        model=args.model, system=args.system, temperature=args.temperature, top_p=args.top_p,
        max_tokens=args.max_tokens, stop=tuple(args.stop),
    )  # fmt: skip


# ---- asking ---------------------------------------------------------------------------------


async def _ask(
    spec: Any,
    args: argparse.Namespace,
    profile: Profile,
    history: History | None,
    conversation: Conversation,
    request: Request,
) -> int:
    async with Gateway(spec) as gw:
        gw.on_retry = _retrying
        saving = history is not None and not args.no_save
        turn = Turn("user", request.text, attachments=tuple(request.attachments))
        conversation.turns.append(turn)
        settings = conversation.settings
        answer = Answer(None, lambda exc: None)
        answer_turn = Turn("assistant", model=settings.model, status=Status.STREAMING)
        if saving:
            assert history is not None
            history.save_settings(conversation)
            history.add_user(conversation, turn)
            answer = history.start_answer(conversation, answer_turn, _params(conversation))
        messages = await _messages(gw, profile, conversation)
        acc = ChatAccumulator()
        try:
            result = await _receive(gw, args, messages, conversation, answer, acc)
        except asyncio.CancelledError:  # Ctrl+C: what came is kept, marked stopped
            answer_turn.apply(acc.finish(), stopped=True)
            answer.finish(answer_turn)
            raise
        answer_turn.apply(result, stopped=False)
        answer.finish(answer_turn)
        billed = result.billed_cost is not None  # Turn.apply took it as the exact cost
        # a stated price is in USD (OpenRouter's credits, LiteLLM's header); else the profile's
        unit = profile.unit or ("USD" if billed else cost_unit(gw.spec))
        outcome = Outcome(result, answer_turn, conversation.id, billed, unit)
        await _cost(args, outcome, history if saving else None, profile, gw)
        return _report(args, outcome)


def _params(conversation: Conversation) -> dict[str, Any]:

    return asdict(conversation.settings)


async def _messages(gw: Gateway, profile: Profile, conversation: Conversation) -> list[Any]:
    """What is sent: the rule of tui.chat.context (oldest turns left out past the window);
    the model's window is asked only for a long conversation."""
    settings = conversation.settings
    texts = texts_of(conversation.turns, None)
    window = None
    if sum(texts.tokens) > WINDOW_ASKED:
        window = await windows_for(gw).window(gw.models, settings.model)
    limits = Limits(window, settings.max_tokens, profile.context_tokens, profile.context_messages)
    sent = plan(settings.system, texts.messages, limits, settings.model, texts.tokens)
    if note := sent.note():
        err(_("older messages left out so that the request fits: {note}").format(note=note))
    return sent.messages


async def _receive(
    gw: Gateway,
    args: argparse.Namespace,
    messages: list[Any],
    conversation: Conversation,
    answer: Answer,
    acc: ChatAccumulator,
) -> ChatResult:
    """The answer, streamed to stdout as it comes (not with --json) and into the history; a
    failure is in the result (the partial text kept), never raised."""
    params = conversation.settings.params()
    printer = _Printer(quiet=bool(args.json), reasoning=args.show_reasoning)
    if args.no_stream:
        try:
            result = await gw.chat(messages, params)
        except GatewayError as exc:
            return ChatResult(error=exc)
        answer.reasoning(result.reasoning)
        answer.content(result.content)
        printer.reasoning(result.reasoning)
        printer.content(result.content)
        printer.end()
        return result
    async with aclosing(gw.stream_chat(messages, params)) as events:
        async for event in events:
            acc.add(event)
            if isinstance(event, ContentDelta):
                answer.content(event.text)
                printer.content(event.text)
            elif isinstance(event, ReasoningDelta):
                answer.reasoning(event.text)
                printer.reasoning(event.text)
    printer.end()
    return acc.finish()


class _Printer:
    """The answer on stdout and its reasoning on stderr (with --show-reasoning). A reader that
    goes away (`| head`) ends the printing, not the answer: it is still received and kept."""

    def __init__(self, *, quiet: bool, reasoning: bool) -> None:
        self.quiet, self.show_reasoning = quiet, reasoning
        self.shown, self.thought = _for_terminal(sys.stdout), _for_terminal(sys.stderr)
        self.ends_with_newline = True
        self.reasoning_open = False

    def content(self, text: str) -> None:
        if self.quiet or not text:
            return
        if self.reasoning_open:
            self.reasoning_open = False
            sys.stderr.write("\n\n")
            sys.stderr.flush()
        self._write(self.shown(text))
        self.ends_with_newline = text.endswith("\n")

    def reasoning(self, text: str) -> None:
        if self.show_reasoning and text:
            self.reasoning_open = True
            sys.stderr.write(self.thought(text))
            sys.stderr.flush()

    def end(self) -> None:
        if self.reasoning_open:
            sys.stderr.write("\n")
        if not self.ends_with_newline:
            self._write("\n")

    def _write(self, text: str) -> None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            self.quiet = True
            silence_stdout()


async def _cost(
    args: argparse.Namespace,
    outcome: Outcome,
    history: History | None,
    profile: Profile,
    gw: Gateway,
) -> None:
    """An estimate of the answer's cost when the gateway stated none (the exact one arrives
    when the usage log syncs): the config's price, else the usage cache's average, else (for
    --json and --usage) the gateway's /models pricing. Stored with the answer when saved."""
    turn = outcome.turn
    if outcome.billed or turn.usage is None:
        return
    _estimate(history, profile, turn, ())
    if turn.credits is None and (args.json or args.usage):
        try:
            models = await gw.models()
        except GatewayError:
            return
        _estimate(history, profile, turn, models)


def _estimate(
    history: History | None, profile: Profile, turn: Turn, models: Sequence[Model]
) -> None:

    assert turn.usage is not None
    try:
        if history is not None and history.writable and turn.id is not None:
            assert history.db is not None
            apply_costs(history.db, profile.name, models=models, prices=profile.prices)
            history.refresh_costs([turn])
            return
        try:
            db: Database | None = open_db(read_only=True)
        except StoreError:
            db = None
        try:
            estimator = Estimator(
                db, profile.name, prices_from_models(models), prices_from_config(profile.prices)
            )
            found = estimator.estimate(
                turn.model, turn.usage.prompt_tokens, turn.usage.completion_tokens
            )
        finally:
            if db is not None:
                db.close()
        turn.credits, turn.credits_estimated = found, found is not None
    except StoreError as exc:
        err(exc.message)


def _report(args: argparse.Namespace, outcome: Outcome) -> int:
    result = outcome.result
    for warning in result.warnings:
        err(str(warning))
    if args.json:
        dump_json(_json(outcome))
    if args.usage:
        err(_usage_line(outcome))
    if result.error is not None:
        err(_("error: {problem}").format(problem=_one_line(result.error.detail)))
        return result.error.exit_code
    if result.finish_reason not in (None, "stop"):
        err(_("the answer ended early: finish_reason {reason}").format(reason=result.finish_reason))
    return ExitCode.OK


def _json(outcome: Outcome) -> dict[str, Any]:
    result, turn = outcome.result, outcome.turn
    usage = result.usage
    basis = None
    if turn.credits is not None:
        basis = "estimated" if turn.credits_estimated else "billed"
    return {
        "text": result.content,
        "reasoning": result.reasoning or None,
        "model": turn.model,
        "finish_reason": result.finish_reason,
        "request_id": result.request_id,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "cost": None if turn.credits is None else plain(turn.credits),
        "cost_basis": basis,
        "cost_unit": outcome.unit if turn.credits is not None else None,
        "conversation_id": outcome.conversation_id,
        "status": str(turn.status),
        "error": _one_line(result.error.detail) if result.error is not None else None,
    }


def _usage_line(outcome: Outcome) -> str:
    usage, turn = outcome.result.usage, outcome.turn
    if usage is None:
        return _("usage: the gateway did not say how many tokens this took")
    tokens = _("{prompt} prompt + {completion} completion tokens").format(
        prompt=number(usage.prompt_tokens), completion=number(usage.completion_tokens)
    )
    if turn.credits is None:
        cost = _("cost unknown (no price for {model})").format(model=turn.model)
    elif turn.credits_estimated:
        cost = _("≈{amount} {unit} (estimate)").format(  # as short as the app says it
            amount=approx(turn.credits), unit=unit_label(outcome.unit)
        )
    else:
        cost = _("{amount} {unit} (billed)").format(
            amount=number(turn.credits), unit=unit_label(outcome.unit)
        )
    return f"{tokens} · {cost}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _for_terminal(stream: Any) -> Callable[[str], str]:
    """On a terminal, model output shows escapes and control characters instead of running
    them (an answer must not clear the screen or retitle the window); a pipe gets it as is."""
    isatty = getattr(stream, "isatty", None)
    return literal if isatty is not None and isatty() else str


def _retrying(error: GatewayError, delay: float) -> None:

    err(retry_sentence(error, delay))
