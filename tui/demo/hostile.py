"""Hostile gateway data (the `hostile` fault): terminal escapes, Rich markup, bidi overrides and
spreadsheet formulas in model ids, usage-log fields, a new key and error messages."""

from __future__ import annotations

from typing import Any

OSC_TITLE = "\x1b]0;PWNED-TITLE\x07"  # sets the window / tmux pane title
OSC_CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"  # writes "pwned" to the clipboard
CLEAR = "\x1b[2J"  # clears the screen
C1_CSI = "\x9b31m"  # an 8-bit CSI: red text on terminals that honour C1
BELL = "\x07"
BIDI = "\u202ecod.exe\u202c"  # right-to-left override: shows as "exe.doc"
MARKUP = ("[bold]bold[/bold]", "close[/]", "[link=https://evil.example]link[/link]",
          "[@click=app.quit]quit[/]")  # fmt: skip
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB",
            "\rCR")  # fmt: skip
ESCAPES = (f"gpt{OSC_TITLE}-4o", f"clip{OSC_CLIPBOARD}", f"cls{CLEAR}", f"c1{C1_CSI}",
           f"bell{BELL}", f"bidi{BIDI}")  # fmt: skip
CORPUS: tuple[str, ...] = (*ESCAPES, *MARKUP, *FORMULAS)
# what must never reach a terminal raw (markup is checked by its own tests: it is printable;
# a tab is harmless, and shown as ␉ where it would break a table's columns)
RAW = ("\x1b", "\x9b", "\x07", "\u202e", "\r")
MESSAGE = "bad request " + " ".join(CORPUS[:6]) + " [bold]loud[/] [link=https://evil.example]x[/]"
NEW_KEY = "hk-demo" + OSC_CLIPBOARD + CLEAR + "0000"


def models(payload: dict[str, Any], created: int) -> dict[str, Any]:
    """The model list with a hostile model per corpus entry (owned by another one)."""
    extra = [{"id": text, "object": "model", "created": created,
              "owned_by": CORPUS[(i + 1) % len(CORPUS)]}
             for i, text in enumerate(CORPUS)]  # fmt: skip
    return {**payload, "data": [*payload["data"], *extra]}


def log_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Log rows with hostile model, ip and note fields, chosen by row id (the same every time)."""
    n = len(CORPUS)
    return [{**row, "model": CORPUS[int(row["id"]) % n], "ip": CORPUS[(int(row["id"]) + 1) % n],
             "note": CORPUS[(int(row["id"]) + 2) % n]} for row in rows]  # fmt: skip
