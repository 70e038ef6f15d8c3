"""One message of the transcript as data: who, reasoning apart, body blocks, meta line; each part
is laid out once per width by the transcript and cached, a streaming answer grows by blocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from textual.message import Message
from textual.strip import Strip

from ....base.i18n import _
from ....base.safe import terminal_safe
from ....base.textfmt import approx, approx_cells, literal, number
from ....chat.conversation import Status, Turn
from ....spend.money import unit_label
from .blocks import Block, BlockSplitter


@dataclass(eq=False)
class Part:
    """A piece of a message laid out on its own: `strips` once rendered at `width`."""

    kind: str  # who | reasoning-head | reasoning | block | tail | meta | gap
    text: str = ""
    plain: bool = False  # shown as plain wrapped text (user text, huge blocks)
    code: str | None = None  # a chunk of a code fence: its language
    body: str = ""  # a code chunk's lines
    top: bool = False  # first chunk of its fence (padding above)
    bottom: bool = False  # last chunk of its fence (padding below)
    spaced: bool = False  # a blank line before it (between body blocks)
    strips: list[Strip] | None = None
    width: int = 0
    lines: list[Strip] | None = None  # `strips` framed and styled as the transcript paints them
    previous: list[Strip] | None = None  # a growing tail's strips last painted (see `grow`)

    _guess: tuple[int, int] = (0, 0)  # (width, estimate) cached

    def height(self, width: int) -> int:
        if self.strips is not None and self.width == width:
            return len(self.strips)
        if self.previous is not None and self.width == width:
            return len(self.previous)
        if self._guess[0] != width:
            self._guess = (width, self.estimate(width))
        return self._guess[1]

    def estimate(self, width: int) -> int:
        if self.kind in ("who", "reasoning-head", "gap", "meta"):
            return 1
        width = max(10, width - 2)
        text = self.text if self.code is None else self.body
        cells = len if text.isascii() else approx_cells  # display cells: CJK takes two
        if self.code is not None:
            pad = int(self.top) + int(self.bottom) + int(self.spaced)
            return pad + sum(cells(line) // width + 1 for line in text.rstrip("\n").split("\n"))
        if not text.strip():
            return 0
        if len(text) > 200_000:  # a rough guess, without walking a huge text
            return cells(text) // width + text.count("\n")
        text = text.rstrip("\n") if self.plain else text.strip("\n")  # markdown drops blank lines
        return sum(cells(line) // width + 1 for line in text.split("\n")) + int(self.spaced)

    def invalidate(self) -> None:
        self.strips = self.lines = self.previous = None
        self._guess = (0, 0)

    def grow(self) -> None:
        """The text changed and will be laid out again; what was painted is kept until then,
        so that only the lines that differ are painted again, and as the height meanwhile
        (a growing paragraph mostly keeps its line count: the view need not scroll twice)."""
        previous = self.strips if self.strips is not None else self.previous
        self.invalidate()
        self.previous = previous


@dataclass
class MessageAction(Message):
    """The user asked for `action` ('edit', 'fork', 'regenerate', 'copy') on a message."""

    item: MessageItem
    action: str


@dataclass(eq=False)
class MessageItem:
    """A user or assistant message in the transcript. A live answer is fed its text piece by
    piece: completed markdown blocks are laid out once, only the growing tail again."""

    cost_unit: ClassVar[str] = "credits"  # the profile's (its `unit`, else its family's)
    turn: Turn
    live: bool = False
    note: str | None = None  # an extra remark on the meta line (retry countdown ...)
    reasoning_open: bool = False
    changed: Callable[[MessageItem], None] | None = None  # the transcript's "lay me out" hook
    blocks: list[Part] = field(default_factory=list)
    _reasoning_done: list[Part] = field(default_factory=list)  # streamed reasoning's chunks
    _parts: list[Part] | None = None
    _tops: list[int] | None = None
    _tops_width: int = 0

    def __post_init__(self) -> None:
        turn = self.turn
        self._splitter = BlockSplitter(markdown=turn.role == "assistant")
        who = _("You") if turn.role == "user" else (turn.model or _("Assistant"))
        self._who = Part("who", who)
        self._reasoning_head = Part("reasoning-head")
        self._reasoning_body = Part("reasoning", literal(turn.reasoning), plain=True)
        self._reasoning_splitter = BlockSplitter(markdown=False)
        self.tail = Part("tail")
        self._meta = Part("meta")
        self._gap = Part("gap")
        self.reasoning_open = self.live and bool(turn.reasoning)
        if not self.live:
            self._take(self._splitter.feed(literal(turn.content)) + self._splitter.finish())
        self._meta.text = self.meta_text()

    # ---- text ------------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The (literal) text shown so far."""
        return "".join(b.text for b in self.blocks) + self.tail.text

    def shown_text(self) -> str:
        """The text up to the last part already laid out (what a frame can show)."""
        if self.tail.text and self.tail.strips is not None:
            return self.source
        last = max((i for i, b in enumerate(self.blocks) if b.strips is not None), default=-1)
        return "".join(b.text for b in self.blocks[: last + 1])

    def _take(self, blocks: list[Block]) -> None:
        for block in blocks:
            spaced = bool(self.blocks) and not block.cont and (block.code is None or block.top)
            self.blocks.append(
                Part("block", block.text, plain=block.plain, spaced=spaced, code=block.code,
                     body=block.body, top=block.top, bottom=block.bottom)
            )  # fmt: skip
        if blocks:
            self._parts = None

    def append(self, text: str) -> None:
        """More (literal) answer text from the stream."""
        self._take(self._splitter.feed(text))
        splitter = self._splitter
        tail = splitter.tail
        if tail != self.tail.text:
            code = splitter.in_code
            self.tail.text = tail
            self.tail.code = splitter.lang if code else None
            self.tail.body = splitter.code_body() if code else ""
            self.tail.top = code and splitter.first
            self.tail.spaced = (
                bool(self.blocks) and not splitter.continuing and (not code or splitter.first)
            )
            self.tail.grow()
            self._parts = None
        self._changed()

    def finish(self) -> None:
        """The stream ended: the tail becomes the last block (keeping its layout if it is the
        same markdown, so the last token shows without laying the block out again)."""
        tail, count = self.tail, len(self.blocks)
        self._take(self._splitter.finish())
        last = self.blocks[-1] if len(self.blocks) == count + 1 else None
        if last is not None and last.text == tail.text and last.code is None is tail.code:
            last.strips, last.width = tail.strips, tail.width
        self.tail = Part("tail")
        self.live = False
        self._parts = None
        self._meta.text = self.meta_text()
        self._meta.invalidate()
        self._changed()

    def add_reasoning(self, text: str) -> None:
        """More reasoning from the stream: long reasoning comes in plain chunks (each laid out
        once, as a huge answer block is) and only its growing end is laid out again."""
        first = not self.has_reasoning
        for block in self._reasoning_splitter.feed(literal(text)):
            self._reasoning_done.append(Part("reasoning", block.text, plain=True))
            self._parts = None
        self._reasoning_body.text = self._reasoning_splitter.tail
        self._reasoning_body.grow()  # only its last lines change: painted again alone
        if first:
            self.reasoning_open = True
        self._parts = None
        self._changed()

    def content_started(self) -> None:
        """Fold the reasoning away once the answer itself begins."""
        if self.reasoning_open:
            self.toggle_reasoning()

    @property
    def has_reasoning(self) -> bool:
        return bool(self._reasoning_done or self._reasoning_body.text)

    def toggle_reasoning(self) -> None:
        self.reasoning_open = not self.reasoning_open and self.has_reasoning
        self._reasoning_head.invalidate()
        self._parts = None
        self._changed()

    def tops(self, width: int) -> list[int]:
        """The first line of each part, and the height of the message last."""
        if self._tops is None or self._tops_width != width or self._parts is None:
            parts = self.parts()
            tops, y = [], 0
            for part in parts:
                tops.append(y)
                y += part.height(width)
            tops.append(y)
            self._tops, self._tops_width = tops, width
        return self._tops

    def height(self, width: int) -> int:
        return self.tops(width)[-1]

    def relayout(self) -> None:
        """A part's height changed (it was laid out)."""
        self._tops = None

    def parts(self) -> list[Part]:
        if self._parts is None:
            self._tops = None
            parts = [self._who]
            if self.has_reasoning:
                self._reasoning_head.text = ("▼ " if self.reasoning_open else "▶ ") + _(
                    "Reasoning"
                )
                parts.append(self._reasoning_head)
                if self.reasoning_open:
                    parts += self._reasoning_done
                    if self._reasoning_body.text:
                        parts.append(self._reasoning_body)
            parts += self.blocks
            if self.tail.text:
                parts.append(self.tail)
            if self._meta.text:
                parts.append(self._meta)
            parts.append(self._gap)
            self._parts = parts
        return self._parts

    def invalidate(self) -> None:
        """Lay every part out again (new width or theme)."""
        self._tops = None
        for part in (self._who, self._reasoning_head, self._reasoning_body, self.tail,
                     self._meta, self._gap, *self._reasoning_done, *self.blocks):  # fmt: skip
            part.invalidate()

    def _changed(self) -> None:
        if self.changed is not None:
            self.changed(self)

    # ---- meta ------------------------------------------------------------------------

    def show_meta(self, note: str | None = None) -> None:
        self.note = note
        text = self.meta_text()
        if text != self._meta.text:
            self._meta.text = text
            self._meta.invalidate()
            self._parts = None
            self._changed()

    @property
    def meta(self) -> str:
        return self._meta.text

    def meta_text(self) -> str:
        turn = self.turn
        unsaved = _("not saved yet: kept here until the history database can be written")
        if turn.role == "user":
            files = ", ".join(f.describe() for f in turn.attachments)
            said = ("📎 " + files if files else "", unsaved if turn.unsaved else "", self.note)
            return " · ".join(p for p in said if p)
        parts: list[str] = []
        if turn.status == Status.STREAMING:
            parts.append(_("answering… (Esc stops)"))
        if turn.usage is not None:
            parts.append(
                _("{prompt} → {completion} tokens").format(
                    prompt=number(turn.usage.prompt_tokens),
                    completion=number(turn.usage.completion_tokens),
                )
            )
        if turn.credits is not None:
            unit = unit_label(self.cost_unit)
            parts.append(
                _("≈{amount} {unit} (estimate)").format(amount=approx(turn.credits), unit=unit)
                if turn.credits_estimated
                else _("{amount} {unit}").format(amount=number(turn.credits), unit=unit)
            )
        if turn.elapsed is not None:
            parts.append(_("{seconds:.1f} s").format(seconds=turn.elapsed))
        if turn.content or turn.reasoning:  # "kept" only when there is something to keep
            status = {
                Status.STOPPED: _("stopped by you — partial answer kept"),
                Status.CUT: _("cut off — partial answer kept"),
                Status.FAILED: _("failed"),
                Status.INTERRUPTED: _(
                    "interrupted — tokendeck closed mid-answer; partial answer kept"
                ),
            }.get(turn.status)
        else:
            status = {
                Status.STOPPED: _("stopped by you before any answer came"),
                Status.CUT: _("cut off before any answer came"),
                Status.FAILED: _("failed"),
                Status.INTERRUPTED: _("interrupted — tokendeck closed before any answer came"),
            }.get(turn.status)
        if status:
            parts.append(status)
        if turn.background:
            parts.append(_("finished in the background after the terminal closed"))
        if turn.status == Status.DONE and turn.finish_reason not in (None, "stop"):
            parts.append(_("ended early: {reason}").format(reason=turn.finish_reason))
        if turn.error:
            parts.append(terminal_safe(turn.error))  # the gateway's words: stand-ins shown
        if turn.unsaved:
            parts.append(unsaved)
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)
