"""Markdown split into blocks as it streams: completed blocks are laid out once, only the tail
(the block still growing) is laid out again. Code fences come in chunks of lines (highlighting
a long code block at once would stall a frame); huge blocks are cut into plain-text chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNK = 4_096  # characters: a block longer than twice this is shown in plain-text chunks
CODE_LINES = 24  # lines of a code fence highlighted together
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass
class Block:
    """One block of an answer's markdown, laid out on its own."""

    text: str  # the source, exactly as received
    plain: bool = False  # too long for markdown layout, or a cut in a huge block: plain text
    code: str | None = None  # a chunk of a code fence: its language ("" when none)
    body: str = ""  # a code chunk's lines without the fence lines
    top: bool = False  # the first chunk of its fence
    bottom: bool = False  # the last chunk of its fence
    cont: bool = False  # a later chunk of a huge block: no blank line between it and the last




class BlockSplitter:
    """Cuts streamed text at blank lines outside code fences, at code fences and every
    CODE_LINES lines inside them. `feed` returns the blocks completed by the new text; `tail`
    is what is still growing. Only complete lines are scanned, each once: feeding is O(n)."""

    def __init__(self, markdown: bool = True) -> None:
        self.markdown = markdown
        self.tail = ""
        self._scanned = 0  # characters of `tail` already scanned (whole lines)
        self._fence: str | None = None  # the open fence's marker, when inside one
        self.lang = ""  # the open fence's language
        self.first = False  # no chunk of the open fence was committed yet
        self._lines = 0  # code lines in the tail
        self._chunked = False  # the current block was cut into chunks already

    @property
    def continuing(self) -> bool:
        """The tail is the rest of a huge block cut into chunks (no blank line before it)."""
        return self._chunked

    @property
    def in_code(self) -> bool:
        return self._fence is not None

    def code_body(self) -> str:
        """The tail's code lines (without the opening fence line)."""
        return self.tail.split("\n", 1)[1] if self.first and "\n" in self.tail else (
            "" if self.first else self.tail
        )

    def feed(self, text: str) -> list[Block]:
        if len(text) <= CHUNK:
            return self._feed(text)
        done: list[Block] = []
        for at in range(0, len(text), CHUNK):  # so that huge blocks are cut as they grow
            done += self._feed(text[at : at + CHUNK])
        return done

    def _feed(self, text: str) -> list[Block]:
        self.tail += text
        done: list[Block] = []
        while True:
            end = self.tail.find("\n", self._scanned)
            if end < 0:
                break
            start, self._scanned = self._scanned, end + 1
            self._line(self.tail[start:end], start, done)
        if len(self.tail) > 2 * CHUNK:
            self._cut(done)
        return done

    def finish(self) -> list[Block]:
        """The rest as the last block(s)."""
        done: list[Block] = []
        if self.in_code:
            self._code(len(self.tail), done, self.code_body(), bottom=True)
        elif len(self.tail) > CHUNK:
            self._cut(done, final=True)
        self._commit(len(self.tail), done, final=True)
        self._fence = None
        self._chunked = False
        return done

    def _line(self, line: str, start: int, done: list[Block]) -> None:
        if not self.markdown:
            return
        fence = _FENCE.match(line)
        if self._fence is not None:
            marker = fence.group(1) if fence else ""
            if (
                marker[:1] == self._fence[0]
                and len(marker) >= len(self._fence)
                and not line[fence.end() :].strip()  # type: ignore[union-attr]
            ):
                body = self.tail[:start]
                if self.first:
                    body = body.split("\n", 1)[1] if "\n" in body else ""
                self._code(self._scanned, done, body, bottom=True)
                self._fence = None
                return
            self._lines += 1
            if self._lines >= CODE_LINES:
                self._code(self._scanned, done, self.code_body(), bottom=False)
            return
        if fence:
            self._commit(start, done)  # the text before the fence is a block of its own
            self._fence = fence.group(1)
            self.lang = line[fence.end() :].strip().split(" ")[0]
            self.first = True
            self._lines = 0
            return
        if not line.strip():
            self._commit(self._scanned, done)

    def _code(self, at: int, done: list[Block], body: str, *, bottom: bool) -> None:
        text, self.tail = self.tail[:at], self.tail[at:]
        self._scanned = max(0, self._scanned - at)
        done.append(Block(text, code=self.lang, body=body, top=self.first, bottom=bottom))
        self.first = False
        self._lines = 0

    def _commit(self, at: int, done: list[Block], final: bool = False) -> None:
        text = self.tail[:at]
        if not text.strip() and not final:
            return  # blank lines stay at the head of the next block
        self.tail = self.tail[at:]
        self._scanned = max(0, self._scanned - at)
        if text:
            done.append(Block(text, plain=self._chunked or not self.markdown, cont=self._chunked))
        self._chunked = False

    def _cut(self, done: list[Block], final: bool = False) -> None:
        """Cut the over-long growing block into plain chunks at line or word ends."""
        keep = 0 if final else CHUNK
        while len(self.tail) - keep > CHUNK:
            window = self.tail[:CHUNK]
            at = window.rfind("\n") + 1 or window.rfind(" ") + 1 or CHUNK
            if self.in_code:
                body = self.tail[:at]
                if self.first:
                    body = body.split("\n", 1)[1] if "\n" in body else ""
                self._code(at, done, body, bottom=False)
                continue
            piece, self.tail = self.tail[:at], self.tail[at:]
            self._scanned = max(0, self._scanned - at)
            done.append(Block(piece, plain=True, cont=self._chunked))
            self._chunked = True


def split_blocks(text: str, markdown: bool = True) -> list[Block]:
    """A whole text as blocks (a finished message)."""
    splitter = BlockSplitter(markdown)
    return splitter.feed(text) + splitter.finish()
