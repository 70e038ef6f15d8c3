"""A comparison's summary: one row per model (time to first token, tokens/s, tokens, cost billed
or estimated, how it ended), from live lanes or from the history; as cells or Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..base.i18n import N_, _
from ..base.textfmt import number
from ..gateway.types import ChatResult, UsageInfo
from ..store.comparisons import ComparedAnswer, StoredComparison
from .compare import Lane, LaneState


@dataclass(frozen=True, slots=True)
class Row:
    """One model's line in a comparison's table."""

    model: str
    ttft: float | None
    tokens_per_s: float | None
    tokens: int | None
    cost: Decimal | None
    estimated: bool
    finish: str  # finish_reason, or how it ended (stopped, failed ...)
    winner: bool = False
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Named as `chat --json` names them (finish_reason, cost_basis billed | estimated)."""
        basis = None if self.cost is None else "estimated" if self.estimated else "billed"
        return {
            "model": self.model,
            "ttft_s": None if self.ttft is None else round(self.ttft, 3),
            "tokens_per_s": None if self.tokens_per_s is None else round(self.tokens_per_s, 1),
            "completion_tokens": self.tokens,
            "cost": self.cost,
            "cost_basis": basis,
            "finish_reason": self.finish,
            "winner": self.winner,
            "error": self.error,
        }


def row_of_lane(lane: Lane, now: float | None = None) -> Row:
    result = lane.result
    finish = (result.finish_reason or "stop") if lane.state == LaneState.DONE else str(lane.state)
    return Row(
        lane.model,
        lane.ttft,
        lane.tokens_per_s(now),
        lane.tokens if lane.deltas or result.usage else None,
        lane.cost,
        lane.cost_estimated,
        finish,
        error=result.error.detail if result.error is not None else None,
    )


def rows_of_stored(comparison: StoredComparison) -> list[Row]:
    rows = []
    for answer in comparison.answers:
        m = answer.message
        finish = (m.finish_reason or "stop") if m.status == "done" else str(m.status)
        rows.append(
            Row(
                m.model or "",
                answer.ttft,
                answer.tokens_per_s,
                m.completion_tokens,
                m.credits,
                m.credits_estimated,
                finish,
                answer.winner,
                m.error,
            )
        )
    return rows


def headers(unit: str | None = None) -> list[str]:
    """The summary's column names; the cost's with its unit when known ("cost (USD)")."""
    cost = _("cost ({unit})").format(unit=unit) if unit else _("cost")
    return [_("model"), _("first token"), _("tokens/s"), _("tokens"), cost, _("finish")]


RIGHT = [False, True, True, True, True, False]


# How an answer ended or where it is, as a reader says it (the gateway's finish reasons —
# stop, length — stay as it wrote them; JSON keeps these words as they are)
STATE_WORDS = {
    "queued": N_("queued"),
    "waiting": N_("queued"),  # a rate limit's wait: said on its own line meanwhile
    "asking": N_("asking…"),
    "streaming": N_("streaming…"),
    "stopped": N_("stopped"),
    "cut": N_("cut off"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
}


def state_word(state: str) -> str:
    """A lane's state or a stored answer's status in the reader's language."""
    return _(STATE_WORDS[state]) if state in STATE_WORDS else state


def cells(row: Row) -> list[str]:
    """A row as text: `≈` marks an estimated cost, `★` the winner."""
    cost = ""
    if row.cost is not None:
        cost = ("≈" if row.estimated else "") + number(row.cost)
    return [
        ("★ " if row.winner else "") + row.model,
        "" if row.ttft is None else _("{seconds:.2f} s").format(seconds=row.ttft),
        "" if row.tokens_per_s is None else f"{row.tokens_per_s:.0f}",
        "" if row.tokens is None else number(row.tokens),
        cost,
        state_word(row.finish),
    ]


def markdown_table(rows: Sequence[Row]) -> list[str]:
    """The summary as a Markdown table (and a line on what ≈ means when a cost is estimated)."""
    head = headers()
    lines = ["| " + " | ".join(head) + " |"]
    lines.append("|" + "|".join("---:" if r else "---" for r in RIGHT) + "|")
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
    if any(r.estimated for r in rows):
        lines += ["", _("≈: estimated; the usage log has not confirmed this cost yet.")]
    return lines


def comparison_markdown(comparison: StoredComparison) -> str:
    """A comparison as Markdown: the prompt, the summary table, then each model's answer."""
    rows = rows_of_stored(comparison)
    lines = [f"# {comparison.title}", ""]
    if comparison.parent_id is not None:
        lines += [_("- Asked in conversation {id}").format(id=comparison.parent_id), ""]
    prompt, summary = _("Prompt"), _("Summary")
    lines += [f"## {prompt}", "", comparison.prompt.content, ""]
    lines += [f"## {summary}", "", *markdown_table(rows)]
    for answer, row in zip(comparison.answers, rows, strict=True):
        m = answer.message
        lines += ["", "---", "", f"## {('★ ' if answer.winner else '') + row.model}", ""]
        if m.reasoning:
            lines += ["<details>", f"<summary>{_('Reasoning')}</summary>", ""]
            lines += [m.reasoning, "", "</details>", ""]
        lines.append(m.content)
        if m.error:
            lines += ["", f"*{m.error}*"]
        if m.request_id:
            lines += ["", "*" + _("request id {id}").format(id=m.request_id) + "*"]
    return "\n".join(lines).rstrip() + "\n"


_STATES = {"done": LaneState.DONE, "stopped": LaneState.STOPPED, "cut": LaneState.CUT}


def lane_of_stored(answer: ComparedAnswer) -> Lane:
    """A stored answer as an ended lane, its figures as they were (a reopened comparison)."""
    m = answer.message
    usage = None
    if m.prompt_tokens is not None or m.completion_tokens is not None:
        prompt, completion = m.prompt_tokens or 0, m.completion_tokens or 0
        usage = UsageInfo(prompt, completion, prompt + completion)
    lane = Lane(answer.slot, m.model or "", state=_STATES.get(str(m.status), LaneState.FAILED))
    lane.result = ChatResult(
        m.content, m.reasoning, usage, m.finish_reason, True, m.request_id
    )
    lane.pieces = [m.content]
    lane.deltas = m.completion_tokens or (1 if m.content else 0)
    if answer.ttft is not None:
        lane.sent_at, lane.first_at = 0.0, answer.ttft
        lane.last_at = answer.ttft + (answer.seconds or 0.0)
    if m.credits is not None and not m.credits_estimated:
        lane.billed = m.credits
    else:
        lane.estimate = m.credits
    return lane
