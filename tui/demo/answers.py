"""Deterministic answer texts: four markdown templates picked by a stable hash, plus fault texts."""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

_PIECE = re.compile(r"\s*\S+|\s+")
_WORD = re.compile(r"\w[\w'-]*")

TEMPLATES: tuple[str, ...] = (
    """## {Topic}: a quick overview

Here is a short, practical answer about **{topic}**. The demo gateway always answers \
the same prompt the same way, so you can compare runs, check costs and test your \
client without spending real credits.

Key points to keep in mind:

- Start small: write the simplest version that works, then measure it.
- Keep inputs and outputs explicit, so each step can be tested on its own.
- Prefer clear names over clever tricks; future readers will thank you.
- Handle errors where you can act on them, and report the rest clearly.

A minimal example in Python:

```python
def summarize(items: list[str]) -> str:
    \"\"\"Return a one-line summary of the items.\"\"\"
    if not items:
        return "nothing to report"
    head = ", ".join(items[:3])
    more = len(items) - 3
    return head if more <= 0 else f"{head} and {more} more"


print(summarize(["alpha", "beta", "gamma", "delta"]))
```

Running it prints `alpha, beta, gamma and 1 more`. From here you can apply the same \
idea to {topic} in your own project: add a test for the empty case, then for the long \
case, and only then optimise.
""",
    """Good question! Let's walk through {topic} step by step.

1. **Define the goal.** Write down in one sentence what "done" means, so you know \
when to stop.
2. **Gather the inputs.** List what you already have and what is missing; missing \
pieces are usually where the time goes.
3. **Build a first version.** Keep it boring and obvious. Clever comes later, if ever.
4. **Check the result.** Compare it with the goal from step 1 and note every gap.
5. **Iterate.** Fix the largest gap first, then repeat the check.

Here is a tiny JavaScript sketch of that loop:

```javascript
async function iterate(goal, attempt, check, maxRounds = 5) {
  let result = await attempt();
  for (let round = 1; round < maxRounds; round++) {
    const gaps = check(goal, result);
    if (gaps.length === 0) return result;
    console.log(`round ${round}: ${gaps.length} gap(s) left`);
    result = await attempt(gaps[0]);
  }
  return result;
}
```

> Tip: keep each round short. Five quick rounds on {topic} teach you more than one \
long one.

That's the whole method. It sounds simple, and it is; the hard part is actually \
stopping at step 4 to look before moving on.
""",
    """### Comparing options for {topic}

There is rarely one right answer, so here is a compact comparison of the usual \
approaches.

| Approach | Effort | Cost | Best when |
|---|---|---|---|
| Do it by hand | low | free | you need it once |
| Write a script | medium | cheap | it repeats weekly |
| Use a service | low | monthly fee | the team needs it daily |

Some rules of thumb:

- If it happens less than once a month, do it by hand and write down the steps.
- If the steps never change, a script pays for itself quickly.
- If many people depend on it, reliability matters more than price.

For a script, a database is often the simplest store. Counting usage per model, for \
example:

```sql
SELECT model,
       COUNT(*)        AS requests,
       SUM(fen)        AS credits,
       MAX(ctime)      AS last_used
FROM usage_log
WHERE ctime >= strftime('%s', 'now', '-30 days')
GROUP BY model
ORDER BY credits DESC;
```

Pick the smallest option that solves {topic} today; you can always move up a row \
in the table later.
""",
    """**Short answer:** yes, {topic} can be done in a few minutes with the tools you \
already have.

**Longer answer:** it depends on three things:

- *Where the data lives* (local files, a database, or a remote API).
- *How often it changes*, which decides whether you need caching.
- *Who reads the result*: a person wants a summary, a program wants JSON.

A quick way to try it from a shell:

```bash
#!/usr/bin/env bash
set -euo pipefail

input="${1:-data.txt}"
if [[ ! -f "$input" ]]; then
  echo "no such file: $input" >&2
  exit 1
fi

lines=$(wc -l < "$input")
words=$(wc -w < "$input")
echo "$input: $lines lines, $words words"
```

Save it as `count.sh`, make it executable with `chmod +x count.sh`, and run it on a \
sample file first.

Common pitfalls:

1. Forgetting to quote variables, which breaks on file names with spaces.
2. Parsing the output of `ls`; use globs instead.
3. Skipping `set -euo pipefail`, so errors go unnoticed.

If you share more details about {topic}, I can tailor the example.
""",
)

REASONING = (
    "The user is asking about {topic}. Let me think about what matters here: the core "
    "idea, a short example, and the usual pitfalls. A one-line summary first, then a list, "
    "then a small code sample. Keep it concise and check the example actually runs."
)

UTF8_ANSWER = (
    "你好，世界 🌍🚀 这是一段演示回答，用来测试多字节字符的流式输出。\n\n"
    "## 要点 ✨\n\n"
    "- 中文标点：，。！？《》\n"
    "- 表情符号：😀 👍 🎉 👨‍👩‍👧‍👦 🇭🇰\n"
    "- 日本語：こんにちは世界\n"
    "- 한국어: 안녕하세요\n"
    "- Ελληνικά και Кириллица, ñ é ü\n\n"
    '```python\nprint("你好，世界 🌍")\n```\n\n'
    "完成 ✅ 谢谢！"
)

MARKUP_ANSWER = (
    "Markup must stay literal: [bold red]not bold[/] [@click=app.quit]click[/] "
    "\x1b[31mred\x1b[0m\n\n"
    "Also [link=https://example.com]a link[/link], [reverse]reverse[/reverse], "
    "$primary, a lone [ bracket and \x1b[2J\x1b[H an ANSI clear-screen."
)


def split_pieces(text: str) -> list[str]:
    """Word-ish stream pieces, each with its leading whitespace: joining them gives text."""
    return _PIECE.findall(text)


def utf16_pieces(text: str, units: int = 3) -> list[str]:
    """Pieces of `units` UTF-16 code units, as a JavaScript gateway may cut them: emoji and
    other astral characters split into lone surrogates across deltas, ZWJ sequences apart."""
    data = text.encode("utf-16-le", "surrogatepass")
    step = 2 * units
    return [data[i : i + step].decode("utf-16-le", "surrogatepass")
            for i in range(0, len(data), step)]


def topic_of(prompt: str) -> str:
    """A few words of the prompt to echo back, so the answer visibly relates to it."""
    words = _WORD.findall(prompt)[:6]
    return " ".join(words) if words else "your question"


def _fill(template: str, topic: str) -> str:
    return template.replace("{Topic}", topic[:1].upper() + topic[1:]).replace("{topic}", topic)


def answer_text(prompt: str) -> str:
    """The deterministic markdown answer for the last user message."""
    template = TEMPLATES[zlib.crc32(prompt.encode("utf-8")) % len(TEMPLATES)]
    return _fill(template, topic_of(prompt))


def reasoning_text(prompt: str) -> str:
    return _fill(REASONING, topic_of(prompt))


@lru_cache(maxsize=1)
def big_pieces() -> tuple[str, ...]:
    """About 5 MB of ordinary one-line pieces."""
    line = "{:06d} the quick brown fox jumps over the lazy dog; streaming stays smooth.\n"
    return tuple(line.format(i) for i in range(65_536))


@lru_cache(maxsize=1)
def big_line_piece() -> str:
    """One single 1 MiB piece without a newline."""
    return ("lorem ipsum dolor sit amet " * 40_000)[: 1 << 20]


def fault_pieces(kind: str | None) -> list[str] | None:
    """The pieces a content-changing fault streams instead of the normal answer."""
    if kind == "big":
        return list(big_pieces())
    if kind == "big_line":
        return [big_line_piece()]
    if kind == "utf8_split":
        return split_pieces(UTF8_ANSWER)
    if kind == "utf16_split":
        return utf16_pieces(UTF8_ANSWER)
    if kind == "markup":
        return split_pieces(MARKUP_ANSWER)
    return None
