"""Markdown split into blocks as it streams: completed blocks are laid out once, only the tail
(the block still growing) is laid out again. Huge blocks are cut into plain-text chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNK = 8_192  # characters: a block longer than this is shown in plain-text chunks
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass
class Block:
    text: str
    plain: bool = False  # too long for markdown layout, or a cut in a huge block: plain text


class BlockSplitter:
    """Cuts streamed text at blank lines outside code fences (and after a closing fence).

    `feed` returns the blocks completed by the new text; `tail` is what is still growing.
    Only complete lines are scanned, each once, so feeding n characters costs O(n)."""

    def __init__(self, markdown: bool = True) -> None:
        self.markdown = markdown
        self.tail = ""
        self._scanned = 0  # characters of `tail` already scanned (whole lines)
        self._fence: str | None = None  # the open fence's marker, when inside one
        self._chunked = False  # the current block was cut into chunks already

    def feed(self, text: str) -> list[Block]:
        self.tail += text
        done: list[Block] = []
        while True:
            end = self.tail.find("\n", self._scanned)
            if end < 0:
                break
            line = self.tail[self._scanned : end]
            self._scanned = end + 1
            if self._boundary(line):
                self._commit(self._scanned, done)
        if len(self.tail) > 2 * CHUNK:
            self._cut(done)
        return done

    def finish(self) -> list[Block]:
        """The rest as the last block(s)."""
        done: list[Block] = []
        if len(self.tail) > CHUNK:
            self._cut(done, final=True)
        self._commit(len(self.tail), done, final=True)
        self._fence = None
        self._chunked = False
        return done

    def _boundary(self, line: str) -> bool:
        if not self.markdown:
            return False
        fence = _FENCE.match(line)
        if self._fence is not None:
            if fence and fence.group(1)[0] == self._fence[0] and len(fence.group(1)) >= len(
                self._fence
            ) and not line[fence.end() :].strip():
                self._fence = None
                return True
            return False
        if fence:
            self._fence = fence.group(1)
            return False
        return not line.strip()

    def _commit(self, at: int, done: list[Block], final: bool = False) -> None:
        text = self.tail[:at]
        if not text.strip() and not final:
            return  # blank lines stay at the head of the next block
        self.tail = self.tail[at:]
        self._scanned = max(0, self._scanned - at)
        if text:
            done.append(Block(text, plain=self._chunked or not self.markdown))
        self._chunked = False

    def _cut(self, done: list[Block], final: bool = False) -> None:
        """Cut the over-long growing block into plain chunks at line or word ends."""
        keep = 0 if final else CHUNK
        while len(self.tail) - keep > CHUNK:
            window = self.tail[:CHUNK]
            at = window.rfind("\n") + 1 or window.rfind(" ") + 1 or CHUNK
            piece, self.tail = self.tail[:at], self.tail[at:]
            self._scanned = max(0, self._scanned - at)
            self._chunked = True
            done.append(Block(piece, plain=True))


def split_blocks(text: str, markdown: bool = True) -> list[Block]:
    """A whole text as blocks (a finished message)."""
    splitter = BlockSplitter(markdown)
    return splitter.feed(text) + splitter.finish()
