"""argparse's own texts ("usage:", "options", its error messages) from our catalog.

argparse looks each of them up through its module-level `_` and `ngettext` (stdlib gettext,
default domain) when it formats help or an error; pointing those two names at tokendeck's
translation makes `tokendeck --help` and usage errors speak the user's language. A text
missing from the catalog (another Python version words it differently) stays English.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..base.i18n import N_, _, ngettext
from ..base.textfmt import cell_len, wrap

TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ignored explicit argument %r"),
    N_("can't open '%(filename)s': %(error)s"),
)


def install() -> None:
    """Route argparse's texts through tokendeck's catalog in the current language."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help wrapped by display cells (argparse counts characters, and a Chinese character
    takes two cells); descriptions and epilogs keep their own line breaks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wide_headings: set[str] = set()

    def _format_usage(self, *args: Any) -> str:
        """argparse wraps and indents the usage by characters: indent by the cells "用法："
        takes, and narrow the wrapping until every line fits in cells."""
        full = self._width
        prefix = args[3] if len(args) > 3 and args[3] is not None else _("usage: ")
        shift = " " * (cell_len(prefix) - len(prefix))
        try:
            for _attempt in range(4):
                lines = super()._format_usage(*args).split("\n")
                text = "\n".join(
                    [lines[0], *(shift + line if line[:1] == " " else line for line in lines[1:])]
                )
                over = max(cell_len(line) for line in text.splitlines()) - full
                if over <= 0 or self._width - over < 20:
                    break
                self._width -= over
            return text
        finally:
            self._width = full

    def _format_action(self, action: argparse.Action) -> str:
        """An option's lines fit in cells: argparse places the help after the invocation by
        characters, so a Chinese metavar ("-t 名称") pushes it past the edge; wrap it narrower."""
        full = self._width
        try:
            for _attempt in range(3):
                text = super()._format_action(action)
                over = max((cell_len(line) for line in text.splitlines()), default=0) - full
                if over <= 0 or self._width - over < 40:
                    break
                self._width -= over
            return text
        finally:
            self._width = full

    def start_section(self, heading: str | None) -> None:
        # argparse puts an ASCII colon after a heading; Chinese text takes the full-width one
        # ("位置参数：") — its end shows which, as with "用法：" in the catalog
        if heading and cell_len(heading[-1]) == 2:
            self._wide_headings.add(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        text = super().format_help()
        for heading in self._wide_headings:
            text = text.replace(f"{heading}:\n", f"{heading}：\n")
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width) or [""]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            if cell_len(indent + line) <= width:
                lines.append(indent + line)
                continue
            lead = line[: len(line) - len(line.lstrip())]
            room = max(width - cell_len(indent + lead), 10)
            lines.extend(indent + lead + part for part in wrap(line, room))
        return "\n".join(lines)
