"""Contract: Rich's Markdown with one shared markdown-it parser.

Private detail: `rich.markdown.Markdown.__init__` is skipped; the attributes it sets (`markup`,
`parsed`, `code_theme`, `justify`, `style`, `hyperlinks`, `inline_code_lexer`,
`inline_code_theme`) are set here, `parsed` from one parser shared by every answer (building a
parser costs as much as parsing a message). Pinned: rich 15.0.0 (through textual 8.2.8).
Fails when upstream changes: tests/unit/test_patches.py::test_rich_markdown_sets_what_rich_reads
(the attribute list against Rich's own __init__), tests/app/test_chat_transcript.py (answers
drawn as Markdown).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on first use (markdown-it, Pygments): ~0.1 s not spent at start
    from rich.markdown import Markdown as RichMarkdown

SYMBOLS = ("rich.markdown.Markdown.__init__",)
PINNED = {"rich": "15.0.0", "textual": "8.2.8"}
TESTS = (
    "tests/unit/test_patches.py::test_rich_markdown_sets_what_rich_reads",
    "tests/app/test_chat_transcript.py",
)
SET = ("markup", "parsed", "code_theme", "justify", "style", "hyperlinks",
       "inline_code_lexer", "inline_code_theme")  # fmt: skip


@cache
def markdown_class() -> type[RichMarkdown]:
    """`_Markdown`, defined on first use (its imports cost ~0.1 s at start)."""
    from markdown_it import MarkdownIt  # with the class: not imported for the first frame
    from rich.markdown import Markdown as RichMarkdown  # (the same ~0.1 s)

    class _Markdown(RichMarkdown):
        """Rich's Markdown with one shared parser: building a parser costs as much as parsing."""

        _parser: MarkdownIt | None = None

        def __init__(self, markup: str, code_theme: str) -> None:
            if _Markdown._parser is None:
                _Markdown._parser = MarkdownIt().enable("strikethrough").enable("table")
            self.markup = markup
            self.parsed = _Markdown._parser.parse(markup)
            self.code_theme = code_theme
            self.justify = None
            self.style = "none"
            self.hyperlinks = False
            self.inline_code_lexer = None
            self.inline_code_theme = code_theme

    return _Markdown
