"""Loading the markdown and code machinery before an answer needs them, off the event loop.

markdown-it, Rich's Markdown and Pygments are not imported at start (a faster first frame); a
new chat's first answer would then import them inside a frame (~40 ms CPU, ~100 ms on a busy
machine, as its first tokens come). The first key typed in the prompt has them imported and
the shared parser built by a thread meanwhile.

The first code block of a language in a session costs ~15-20 ms more than the next ones:
Pygments imports the lexer's module and compiles its rules, the theme is loaded. Done inside a
frame, that is most of the longest pause while an answer streams. A fence names its language
well before its first chunk of lines is complete, so a thread does that work meanwhile (the
event loop keeps running: the interpreter switches threads every few milliseconds).
"""

from __future__ import annotations

import threading

from ...patches.rich_markdown import markdown_class

_started: set[str] = set()
_lock = threading.Lock()


def warm_markdown() -> None:
    """Import the markdown machinery and build the shared parser in a thread, once."""
    with _lock:
        if "markdown" in _started:
            return
        _started.add("markdown")
    threading.Thread(target=_load_markdown, name="warm-markdown", daemon=True).start()


def _load_markdown() -> None:
    try:
        markdown_class()("x", "monokai")  # imports markdown-it, Rich's Markdown; the parser
        from rich.syntax import Syntax  # noqa: F401 - Pygments' core, for code blocks
    except Exception:  # noqa: BLE001 - a warm-up only: the real layout reports its own errors
        pass


def warm_code(language: str, theme: str) -> None:
    """Load the lexer for `language` and the `theme` in a background thread, once each."""
    key = f"{language}\0{theme}"
    with _lock:
        if key in _started:
            return
        _started.add(key)
    threading.Thread(target=_load, args=(language, theme), name="warm-code", daemon=True).start()


def _load(language: str, theme: str) -> None:
    try:
        from rich.syntax import Syntax  # Pygments (warmed in this thread)

        Syntax.get_theme(theme)
        lexer = Syntax("", language or "text", theme=theme).lexer
        if lexer is not None:
            list(lexer.get_tokens("x\n"))  # the rules are compiled on first use
    except Exception:  # noqa: BLE001 - a warm-up only: the real layout reports its own errors
        pass
