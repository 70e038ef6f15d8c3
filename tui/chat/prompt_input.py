"""What a user message is made of, from a command line or the app: the instruction and piped
material, attached files (text as fenced blocks, images as data URLs), and $EDITOR. No widgets.

The API shared by `tokendeck chat`, `tokendeck compare` and the app's chat:
  compose(instruction, material, prefix)   the message text (llm's convention: the prompt is
                                          the instruction, stdin the material; both are sent)
  read_material(stream)                   stdin's text when it is piped, else None
  read_attachment(path) -> Attachment     raises AttachmentError with a sentence to show
  read_attachments(paths)                 several, and their limit together (check_total)
  user_message(text, attachments)         the gateway Message (text blocks + image parts)
  edit_text(text)                         the text after the user's $VISUAL / $EDITOR
  pasted_paths(text), complete_path(typed) the app's paste of a file path and its Tab
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse

from ..base.i18n import _
from ..base.textfmt import number
from ..gateway import Message

TEXT_LIMIT = 512 * 1024  # bytes of one text file (~130,000 tokens: more than most windows)
IMAGE_LIMIT = 20 * 1024 * 1024  # bytes of one image (OpenAI's limit per image)
TOTAL_LIMIT = 32 * 1024 * 1024  # bytes of all the files of one message
PASTED_PATHS_MAX = 4096  # characters: a longer paste is never taken for paths
IMAGE_TOKENS = 765  # the estimate for one image (a 1024x1024 picture at OpenAI's high detail)

# Image types the OpenAI content-parts format takes, by their first bytes.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),  # after "RIFF" and the size
)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})


class AttachmentError(ValueError):
    """A file that cannot be attached, with a sentence saying why and what to do."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attached file: its name (no folders), media type and bytes."""

    name: str
    media_type: str
    data: bytes = field(repr=False)

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def text(self) -> str:
        return "" if self.is_image else self.data.decode("utf-8")

    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"

    def block(self) -> str:
        """A text file as it is sent: a fenced block whose info string is the file's name
        (the fence longer than any run of backticks inside)."""
        text = self.text
        longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
        fence = "`" * max(3, longest + 1)
        if "`" in self.name:
            fence = "~" * len(fence)
        return f"{fence}{self.name}\n{text}{'' if text.endswith(chr(10)) else chr(10)}{fence}"

    def describe(self) -> str:
        """'notes.txt (1,204 bytes)', for lists and messages."""
        return _("{name} ({size} bytes)").format(name=self.name, size=number(self.size))


def image_type(data: bytes) -> str | None:
    for magic, offset, media_type in _MAGIC:
        at_start = data[offset : offset + len(magic)] == magic
        if at_start and (media_type != "image/webp" or data[:4] == b"RIFF"):
            return media_type
    return None


def read_attachment(path: str | os.PathLike[str]) -> Attachment:
    """The file at `path` as an attachment: an image (png, jpg, webp, gif, by content) or UTF-8
    text. Raises AttachmentError: missing, a folder, unreadable, too big, or binary."""
    file = Path(os.path.expanduser(os.fspath(path)))
    from ..store import is_database_file  # SQLite: only when a file is attached

    if is_database_file(file):  # opened here, it would drop this process's locks on it
        problem = _("{path} is tokendeck's own history database: it cannot be attached "
                    "(export a conversation instead)")  # fmt: skip
        raise AttachmentError(problem.format(path=file))
    try:
        if file.is_dir():
            raise AttachmentError(_("{path} is a folder: attach the files in it one by one").format(
                path=file))  # fmt: skip
        size = file.stat().st_size
        limit = IMAGE_LIMIT if file.suffix.lower() in IMAGE_SUFFIXES else TEXT_LIMIT
        if size > limit:
            raise _too_big(file, size, limit)
        data = file.read_bytes()
    except FileNotFoundError:
        raise AttachmentError(_("{path}: no such file").format(path=file)) from None
    except OSError as exc:
        problem = _("{path} cannot be read: {error}")
        raise AttachmentError(problem.format(path=file, error=exc.strerror)) from None
    media_type = image_type(data)
    if media_type is not None:
        if len(data) > IMAGE_LIMIT:
            raise _too_big(file, len(data), IMAGE_LIMIT)
        return Attachment(file.name, media_type, data)
    if file.suffix.lower() in IMAGE_SUFFIXES:
        problem = _("{path} is not a PNG, JPEG, WebP or GIF image (its content says otherwise)")
        raise AttachmentError(problem.format(path=file))
    if len(data) > TEXT_LIMIT:
        raise _too_big(file, len(data), TEXT_LIMIT)
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
        data.decode("utf-8")
    except UnicodeDecodeError:
        problem = _(
            "{path} is neither UTF-8 text nor a PNG, JPEG, WebP or GIF image: only those "
            "can be attached"
        )
        raise AttachmentError(problem.format(path=file)) from None
    return Attachment(file.name, "text/plain", data)


def _too_big(file: Path, size: int, limit: int) -> AttachmentError:
    kind = _("an image") if limit == IMAGE_LIMIT else _("a text file")
    problem = _("{path} is {size} bytes: {kind} may have at most {limit} bytes")
    return AttachmentError(
        problem.format(path=file, size=number(size), kind=kind, limit=number(limit))
    )


def read_attachments(paths: Sequence[str | os.PathLike[str]]) -> list[Attachment]:
    """Every file of `paths`, in order; AttachmentError on the first bad one or when together
    they pass TOTAL_LIMIT."""
    found = [read_attachment(p) for p in paths]
    check_total(found)
    return found


def check_total(attachments: Sequence[Attachment]) -> None:
    total = sum(a.size for a in attachments)
    if total > TOTAL_LIMIT:
        problem = _("the attached files are {size} bytes together: at most {limit} per message")
        raise AttachmentError(problem.format(size=number(total), limit=number(TOTAL_LIMIT)))


# ---- the message --------------------------------------------------------------------------


def compose(instruction: str, material: str | None = None, prefix: str = "") -> str:
    """The text of a user message: a template's prefix, the instruction, then the material
    (stdin), each separated by a blank line; parts that are empty are left out. The last part
    keeps its end as it came (a file piped whole ends in its newline)."""
    parts = [p for p in (prefix, instruction, material or "") if p and p.strip()]
    if not parts:
        return ""
    return "\n\n".join([p.strip("\n") for p in parts[:-1]] + [parts[-1].lstrip("\n")])


def read_material(stream: IO[str] | None) -> str | None:
    """What was piped on `stream` (stdin), or None on a terminal or when nothing came."""
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        text = stream.read()
    except (OSError, ValueError):  # a stdin that cannot be read holds no material
        return None
    return text if text.strip() else None


def message_text(text: str, attachments: Sequence[Attachment]) -> str:
    """The text sent for a user turn: its own text, then each text file as a fenced block."""
    blocks = [a.block() for a in attachments if not a.is_image]
    return "\n\n".join([text, *blocks] if text else blocks)


def user_message(text: str, attachments: Sequence[Attachment] = (), role: str = "user") -> Message:
    """The gateway message for a turn: text files as fenced blocks after the text, images as
    image_url parts (data URLs) in OpenAI's content-parts format."""
    images = tuple(a.data_url() for a in attachments if a.is_image)
    return Message(role, message_text(text, attachments), images)


# ---- paths typed or pasted in the app -------------------------------------------------------


def pasted_paths(text: str) -> list[Path] | None:
    """The files a paste names, when it is nothing but paths of existing files (as terminals
    paste a dragged file: quoted, with escaped spaces, or a file:// URL); else None."""
    text = text.strip()
    if not text or len(text) > PASTED_PATHS_MAX or text.count("\n") >= 20:
        return None  # a long paste is a text, not a few dragged files
    if not all(line.strip() for line in text.splitlines()):
        return None
    words: list[str] = []
    for line in text.splitlines():
        try:
            words += shlex.split(line)
        except ValueError:
            return None
    found: list[Path] = []
    for word in words:
        if word.startswith("file://"):
            word = unquote(urlparse(word).path)
        path = Path(os.path.expanduser(word))
        if not path.is_absolute() and not word.startswith(("./", "../", "~")):
            return None  # plain words are a message, not a path
        if not path.is_file():
            return None
        found.append(path)
    return found or None


def complete_path(typed: str, limit: int = 50) -> list[str]:
    """Paths that complete `typed` (folders end in '/'), sorted, hidden files only when asked."""
    expanded = os.path.expanduser(typed) if typed else ""
    folder, _sep, stem = expanded.rpartition("/")
    base = Path(folder + "/" if _sep else ".")
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError:
        return []
    shown = typed[: len(typed) - len(stem)]
    found: list[str] = []
    for entry in entries:
        if not entry.name.startswith(stem) or entry.name.startswith(".") and not stem:
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        found.append(shown + entry.name + ("/" if is_dir else ""))
        if len(found) >= limit:
            break
    return found


# ---- $EDITOR --------------------------------------------------------------------------------


class EditorError(RuntimeError):
    """The editor could not run or failed; the text given to it is not lost."""


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    command = env.get("VISUAL") or env.get("EDITOR") or "vi"
    return shlex.split(command)


def edit_text(text: str, suffix: str = ".md", stdin: IO[str] | None = None) -> str:
    """Open `text` in $VISUAL / $EDITOR (vi if neither is set) and return what was saved;
    `stdin`: where the editor reads keys (the terminal when stdin is a pipe). Raises
    EditorError when the editor cannot start or exits non-zero."""
    fd, name = tempfile.mkstemp(prefix="tokendeck-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        command = editor_command()
        try:
            done = subprocess.run([*command, name], check=False, stdin=stdin)
        except (OSError, ValueError) as exc:
            problem = _("could not start the editor {editor}: {error}")
            raise EditorError(problem.format(editor=" ".join(command), error=exc)) from None
        if done.returncode != 0:
            problem = _("the editor {editor} exited with status {code}; nothing was taken")
            raise EditorError(problem.format(editor=" ".join(command), code=done.returncode))
        return Path(name).read_text("utf-8", errors="replace")
    finally:
        Path(name).unlink(missing_ok=True)
