"""The fault matrix: every misbehaviour of issue 8, with what the CLI and the app must do.

One table drives tests/faults/test_faults_cli.py, tests/faults/test_faults_app.py and
bench/faults. A case names the demo gateway's faults (built fresh per run, so HTTP dates are
current), the deadlines the client runs with, and per mode ("stream", "nonstream") what
must come out: the exact text kept, the exit code, the sentence said, the message's status.
The app always streams, so "nonstream" outcomes are checked by the CLI only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

from tui.chat.conversation import Status
from tui.demo import Fault
from tui.demo.answers import (
    MARKUP_ANSWER,
    UTF8_ANSWER,
    answer_text,
    split_pieces,
)
from tui.gateway import ExitCode, Timeouts

PROMPT = "hi"
MODEL = "gpt-4o-mini"  # no reasoning: `after` counts content pieces only
ANSWERS = {
    "plain": answer_text(PROMPT),
    "utf8": UTF8_ANSWER,
    "markup": MARKUP_ANSWER,
}
# Deadlines far below the faults' own durations (120 s), far above what loopback needs.
DEADLINE = 3.0
STALL = Timeouts(connect=10, read_idle=DEADLINE, request=DEADLINE, stream=60)
KEEPALIVE = Timeouts(connect=10, read_idle=60, request=DEADLINE, stream=DEADLINE)
NO_PROGRESS = Timeouts(connect=10, read_idle=60, request=DEADLINE, stream=60, stall=DEADLINE)
CANCEL_ONLY = Timeouts(connect=10, read_idle=600, request=600, stream=600)
FAULT_SECONDS = 120.0


@dataclass(frozen=True)
class Expect:
    """What one run must give."""

    exit: int = ExitCode.OK
    pieces: int | None = None  # answer pieces kept: None = all of it, 0 = nothing
    says: tuple[str, ...] = ()  # words of the one sentence on stderr / in the app's notice
    status: Status = Status.DONE  # the app's message status
    finish: str | None = "stop"  # the finish reason recorded
    requests: int = 1  # chat requests the gateway saw (retries included)
    warns: bool = False  # a warning line besides the result (malformed chunk skipped)


@dataclass(frozen=True)
class Case:
    id: str
    group: str  # sse | ending | error | time | retry | markup
    faults: Callable[[], list[Fault]] = list
    stream: Expect | None = None
    nonstream: Expect | None = None
    answer: str = "plain"
    timeouts: Timeouts | None = None
    cancel: bool = False  # a time case: Esc / Ctrl-C must stop it at once
    notes: str = ""

    def text(self, expect: Expect) -> str:
        """The answer text the user must end up with."""
        pieces = split_pieces(ANSWERS[self.answer])
        if expect.pieces is None:
            return ANSWERS[self.answer]
        return "".join(pieces[: expect.pieces])

    def modes(self) -> list[tuple[str, Expect]]:
        return [(m, e) for m, e in (("stream", self.stream), ("nonstream", self.nonstream)) if e]


def one(kind: str, **kw: object) -> Callable[[], list[Fault]]:
    return lambda: [Fault(kind, **kw)]  # type: ignore[arg-type]


def _http_date(ahead: float) -> Callable[[], list[Fault]]:
    def make() -> list[Fault]:
        when = formatdate(time.time() + ahead, usegmt=True)
        return [Fault("status", status=429, headers={"retry-after": when})]

    return make


DONE = Expect()
SAME_TEXT = Expect()
QUOTA_BODY = (
    '{"error": {"message": "You exceeded your current quota, please check your plan.", '
    '"type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}'
)

CASES: tuple[Case, ...] = (
    # ---- SSE variants that must give exactly the same text --------------------------------
    Case("clean_done", "ending", stream=DONE, nonstream=DONE),
    Case("comments", "sse", one("comments"), stream=SAME_TEXT),
    Case("sse_fields", "sse", one("sse_fields"), stream=SAME_TEXT),
    Case("crlf_split", "sse", one("crlf"), stream=SAME_TEXT),
    Case("data_nospace", "sse", one("nospace"), stream=SAME_TEXT),
    Case("multiline_data", "sse", one("multiline_data"), stream=SAME_TEXT),
    Case("utf8_split_writes", "sse", one("utf8_split"), stream=SAME_TEXT, nonstream=SAME_TEXT,
         answer="utf8"),
    Case("utf16_split_deltas", "sse", one("utf16_split"), stream=SAME_TEXT, nonstream=SAME_TEXT,
         answer="utf8"),
    Case("usage_unasked", "sse", one("usage_unasked"), stream=SAME_TEXT),
    # ---- endings --------------------------------------------------------------------------
    Case("done_without_finish", "ending", one("done_only"), stream=Expect(finish=None)),
    Case("no_usage", "ending", one("no_usage"), stream=SAME_TEXT, nonstream=SAME_TEXT),
    Case(
        "cut_no_finish_no_done", "ending", one("cut", after=3),
        stream=Expect(ExitCode.NETWORK, 3, ("cut off", "text so far is kept"), Status.CUT, None),
        nonstream=Expect(ExitCode.NETWORK, 0, ("connection to", "failed"), Status.FAILED, None),
    ),
    Case(
        "reset_mid_chunk", "ending", one("reset", after=3),
        stream=Expect(ExitCode.NETWORK, 3, ("dropped mid-answer", "text so far is kept"),
                      Status.CUT, None),
        nonstream=Expect(ExitCode.NETWORK, 0, ("connection to", "failed"), Status.FAILED, None),
    ),
    *(
        Case(
            f"finish_{reason}", "ending", one("finish", finish_reason=reason),
            stream=Expect(says=("ended early", reason), finish=reason),
            nonstream=Expect(says=("ended early", reason), finish=reason),
        )
        for reason in ("length", "content_filter", "insufficient_system_resource")
    ),
    # ---- errors: a clear sentence, the text so far kept -----------------------------------
    *(
        Case(
            f"{kind}_midstream", "error", one(kind, after=3),
            stream=Expect(ExitCode.SERVER, 3, ("error mid-answer", "text so far is kept", said),
                          Status.FAILED, None),
            nonstream=Expect(ExitCode.SERVER, 0, (said,), Status.FAILED, None),
        )
        for kind, said in (
            ("error_chunk", "upstream provider error"),
            ("event_error", "stream interrupted by upstream"),
            ("object_error", "model crashed"),
        )
    ),
    Case(
        "json_200_error", "error", one("json_200_error"),
        stream=Expect(ExitCode.SERVER, 0, ("error instead of an answer", "model overloaded"),
                      Status.FAILED, None),
        nonstream=Expect(ExitCode.SERVER, 0, ("upstream model overloaded",), Status.FAILED, None),
    ),
    Case(
        "envelope_error", "error", one("envelope_error"),
        stream=Expect(ExitCode.SERVER, 0, ("reported error 500", "系统繁忙"), Status.FAILED, None),
        nonstream=Expect(ExitCode.SERVER, 0, ("reported error 500", "系统繁忙"), Status.FAILED,
                         None),
    ),
    Case(
        "empty_200", "error", one("empty_200"),
        stream=Expect(ExitCode.PROTOCOL, 0, ("empty body",), Status.FAILED, None),
        nonstream=Expect(ExitCode.PROTOCOL, 0, ("empty body",), Status.FAILED, None),
    ),
    Case(
        "html_502", "error", one("html_502", times=-1),
        stream=Expect(ExitCode.SERVER, 0, ("server error", "HTTP 502"), Status.FAILED, None, 3),
        nonstream=Expect(ExitCode.SERVER, 0, ("server error", "HTTP 502"), Status.FAILED, None, 3),
    ),
    Case(
        "malformed_json_line", "error", one("malformed_json", after=3),
        stream=Expect(says=("malformed chunk", "skipped"), warns=True),
        nonstream=Expect(ExitCode.PROTOCOL, 0, ("malformed JSON",), Status.FAILED, None),
    ),
    # ---- time: deadlines fire, keep-alives do not extend them, cancel is immediate ---------
    Case(
        "stall_after_headers", "time", one("stall", seconds=FAULT_SECONDS), timeouts=STALL,
        stream=Expect(ExitCode.NETWORK, 0, ("went silent",), Status.CUT, None),
        nonstream=Expect(ExitCode.NETWORK, 0, ("did not answer within",), Status.FAILED, None),
        cancel=True,
    ),
    Case(
        "keepalive_only", "time", one("keepalive_only", seconds=FAULT_SECONDS),
        timeouts=KEEPALIVE,
        stream=Expect(ExitCode.NETWORK, 0, ("answer deadline",), Status.CUT, None),
        nonstream=Expect(ExitCode.NETWORK, 0, ("did not answer within",), Status.FAILED, None),
        cancel=True,
    ),
    Case(
        "keepalive_after_text", "time", one("keepalive_stall", after=3, seconds=FAULT_SECONDS),
        timeouts=NO_PROGRESS,
        stream=Expect(ExitCode.NETWORK, 3, ("no new text for 3 s", "text so far is kept"),
                      Status.CUT, None),
        notes="text, then only keep-alive comments: the no-progress deadline stops it",
    ),
    Case(
        "slow_drip", "time", one("drip", seconds=FAULT_SECONDS), timeouts=KEEPALIVE,
        stream=Expect(ExitCode.NETWORK, 1, ("answer deadline", "text so far is kept"),
                      Status.CUT, None),
        cancel=True,
    ),
    # ---- rate limits and retries ----------------------------------------------------------
    Case(
        "retry_after_ms", "retry",
        one("status", status=429, headers={"retry-after-ms": "200"}),
        stream=Expect(says=("Rate limited", "retrying in 0.2 s"), requests=2),
        nonstream=Expect(says=("Rate limited", "retrying in 0.2 s"), requests=2),
    ),
    Case(
        "retry_after_seconds", "retry", one("status", status=429, headers={"retry-after": "1"}),
        stream=Expect(says=("Rate limited", "retrying in 1 s"), requests=2),
        nonstream=Expect(says=("Rate limited", "retrying in 1 s"), requests=2),
    ),
    Case(
        "retry_after_http_date", "retry", _http_date(1.5),
        stream=Expect(says=("Rate limited", "retrying in"), requests=2),
        nonstream=Expect(says=("Rate limited", "retrying in"), requests=2),
    ),
    Case(
        "retry_after_very_long", "retry",
        one("status", status=429, headers={"retry-after": "3600"}),
        stream=Expect(ExitCode.RATE_LIMITED, 0, ("Rate limited", "retry in 3600 s"),
                      Status.FAILED, None),
        nonstream=Expect(ExitCode.RATE_LIMITED, 0, ("Rate limited", "retry in 3600 s"),
                         Status.FAILED, None),
    ),
    Case(
        "insufficient_quota_429", "retry", one("status", status=429, body=QUOTA_BODY),
        stream=Expect(ExitCode.OUT_OF_CREDITS, 0, ("Out of credits", "exceeded your current quota"),
                      Status.FAILED, None),
        nonstream=Expect(ExitCode.OUT_OF_CREDITS, 0, ("Out of credits",), Status.FAILED, None),
    ),
    Case(
        "server_500_then_success", "retry", one("status", status=500),
        stream=Expect(says=("server error", "Retrying in"), requests=2),
        nonstream=Expect(says=("server error", "Retrying in"), requests=2),
    ),
    # ---- markup injection -----------------------------------------------------------------
    Case("markup_and_ansi", "markup", one("markup"), stream=SAME_TEXT, nonstream=SAME_TEXT,
         answer="markup"),
)

BY_ID = {case.id: case for case in CASES}
TIME_CASES = tuple(c for c in CASES if c.cancel)
