"""API keys that never show themselves: masked repr/str, and redaction of free text."""

from __future__ import annotations

from collections.abc import Iterable


class Secret:
    """A string that reveals its value only through `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        """A form safe to show: the key's prefix and last four characters."""
        value = self._value
        if len(value) <= 12:
            return "…" if not value else value[:3] + "…"
        prefix = value[: value.find("-", 3) + 1] if value.startswith("sk-") else value[:3]
        return f"{prefix[:8]}…{value[-4:]}"

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    __str__ = masked

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def header_safe(value: str) -> bool:
    """Whether `value` can be sent in an HTTP header as it is: printable ASCII, no line break
    or other control character (surrounding whitespace is stripped before this is asked)."""
    return value.isascii() and value.isprintable()


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """`text` with every occurrence of each secret replaced by its masked form."""
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if len(value) >= 6 and value in text:
            masked = secret.masked() if isinstance(secret, Secret) else Secret(value).masked()
            text = text.replace(value, masked)
    return text
