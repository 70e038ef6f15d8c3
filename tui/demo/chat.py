"""Chat requests: validation, the deterministic completion they get, and the non-stream body."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from . import answers
from .catalog import MODEL_BY_ID, ModelInfo
from .errors import openai_error
from .faults import Fault

ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})
REASONING_REJECTED = "reasoning_content must not be sent back in messages"
IMAGE_TOKENS = 765  # prompt tokens counted per image part (OpenAI's 1024x1024, high detail)
IMAGES_REFUSED = "Invalid content type. image_url is only supported by certain models."
# A text file sent as a fenced block whose info string is its name (tui.chat.prompt_input).
_FILE_BLOCK = re.compile(r"^(`{3,}|~{3,})([^\n`]*\S)[ \t]*\n(.*?)^\1[ \t]*$", re.S | re.M)
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+);base64,(.*)", re.S)


@dataclass(frozen=True)
class ImagePart:
    """An image_url part as received: its media type and decoded size (None: not a data URL)."""

    media_type: str | None
    size: int | None
    message: int  # index of the message it came in


class BadRequest(Exception):
    """A 400 with an OpenAI error body."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return openai_error(str(self), "invalid_request_error", self.code, self.param)


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion request as the demo gateway read it."""

    model: ModelInfo
    prompt: str  # the last user message
    prompt_tokens: int
    stream: bool
    include_usage: bool
    max_tokens: int | None
    stops: tuple[str, ...]
    messages: tuple[tuple[str, str], ...] = ()  # (role, text) as received
    images: tuple[ImagePart, ...] = ()  # every image_url part, in order

    @property
    def history(self) -> int:
        """Messages sent before the last one, the system prompt not counted."""
        return sum(1 for role, _text in self.messages[:-1] if role != "system")

    @property
    def files(self) -> tuple[tuple[str, int], ...]:
        """(name, bytes) of each text file sent as a fenced block named by its info string,
        in the user messages (answers' code blocks are not files)."""
        return tuple(
            (m.group(2).strip(), len(m.group(3).encode()))
            for role, text in self.messages
            if role == "user"
            for m in _FILE_BLOCK.finditer(text)
        )


def _images(messages: list[Any]) -> tuple[ImagePart, ...]:
    found: list[ImagePart] = []
    for i, msg in enumerate(messages):
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str):
                raise BadRequest("'image_url' must be an object with a 'url' string",
                                 f"messages.{i}.content")
            found.append(_image_part(url, i))
    return tuple(found)


def _image_part(url: str, message: int) -> ImagePart:
    match = _DATA_URL.fullmatch(url)
    if match is None:
        return ImagePart(None, None, message)
    try:
        data = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("Invalid image data: the data URL is not valid base64",
                         f"messages.{message}.content", "invalid_image") from None
    return ImagePart(match.group(1), len(data), message)


def check_context(req: ChatRequest) -> None:
    """A 400 as OpenAI words it when the messages and the answer's room exceed the model's
    context length (models with a known one)."""
    window = req.model.context_length
    wanted = req.prompt_tokens + (req.max_tokens or 0)
    if window is not None and wanted > window:
        raise BadRequest(
            f"This model's maximum context length is {window} tokens. However, you requested "
            f"{wanted} tokens ({req.prompt_tokens} in the messages, {req.max_tokens or 0} in "
            "the completion). Please reduce the length of the messages or completion.",
            "messages",
            "context_length_exceeded",
        )


def _text(content: Any) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    parts = [p.get("text") for p in content if isinstance(p, dict)]
    return "".join(t for t in parts if isinstance(t, str))


def _check_message(i: int, msg: Any) -> str:
    """The message's text; raises BadRequest unless it is a {role, content} object."""
    bad = BadRequest("'messages' must be a list of {role, content} objects", f"messages.{i}")
    if not isinstance(msg, dict) or msg.get("role") not in ROLES or "content" not in msg:
        raise bad
    if "reasoning_content" in msg:
        raise BadRequest(REASONING_REJECTED, f"messages.{i}.reasoning_content")
    content = msg["content"]
    if not (content is None or isinstance(content, str | list)):
        raise bad
    return _text(content)


def _int_param(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadRequest(f"'{name}' must be a positive integer", name)
    return value


def _stops(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise BadRequest("'stop' must be a string or a list of strings", "stop")
    return tuple(s for s in items if s)


def parse_chat_request(raw: bytes) -> ChatRequest:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise BadRequest("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    model_id = body.get("model")
    if not model_id:
        raise BadRequest("you must provide a model parameter", "model")
    if not isinstance(model_id, str) or model_id not in MODEL_BY_ID:
        raise BadRequest(f"model '{model_id}' does not exist", "model", "model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list of {role, content} objects",
                         "messages")
    texts = [_check_message(i, m) for i, m in enumerate(messages)]
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise BadRequest(f"'{name}' must be a number", name)
    options = body.get("stream_options")
    user = [t for m, t in zip(messages, texts, strict=True) if m["role"] == "user"]
    images = _images(messages)
    if images and not MODEL_BY_ID[model_id].vision:
        raise BadRequest(IMAGES_REFUSED, f"messages.{images[0].message}.content",
                         "invalid_content_type")
    return ChatRequest(
        model=MODEL_BY_ID[model_id],
        prompt=user[-1] if user else "",
        prompt_tokens=sum(math.ceil(len(t) / 4) + 4 for t in texts) + IMAGE_TOKENS * len(images),
        stream=body.get("stream") is True,
        include_usage=isinstance(options, dict) and options.get("include_usage") is True,
        max_tokens=_int_param(body, "max_tokens") or _int_param(body, "max_completion_tokens"),
        stops=_stops(body.get("stop")),
        messages=tuple((m["role"], t) for m, t in zip(messages, texts, strict=True)),
        images=images,
    )


@dataclass
class Completion:
    """What the model says, as stream pieces; one piece is one completion token."""

    reasoning: list[str]
    content: list[str]
    reasoning_field: str | None
    finish_reason: str
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return len(self.reasoning) + len(self.content)

    def deltas(self) -> list[tuple[str, str]]:
        """(delta field, piece) in stream order: reasoning first, then content."""
        field = self.reasoning_field or "reasoning_content"
        return [(field, p) for p in self.reasoning] + [("content", p) for p in self.content]

    def usage(self, delivered: int | None = None) -> dict[str, int]:
        completion = self.completion_tokens if delivered is None else delivered
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }


def plan_completion(req: ChatRequest, fault: Fault | None) -> Completion:
    """Answer text for the request, with stop strings and max_tokens applied (content only)."""
    kind = fault.kind if fault else None
    pieces = answers.fault_pieces(kind) or answers.split_pieces(answers.answer_text(req.prompt))
    finish = "stop"
    if req.stops:
        text = "".join(pieces)
        cut = min((i for i in (text.find(s) for s in req.stops) if i >= 0), default=-1)
        if cut >= 0:
            pieces = answers.split_pieces(text[:cut])
    if req.max_tokens is not None and len(pieces) > req.max_tokens:
        pieces = pieces[: req.max_tokens]
        finish = "length"
    if fault and kind == "finish":
        finish = fault.finish_reason
    field = req.model.reasoning_field
    reasoning = answers.split_pieces(answers.reasoning_text(req.prompt)) if field else []
    return Completion(reasoning, pieces, field, finish, req.prompt_tokens)


def completion_body(
    c: Completion, request_id: str, model: str, created: int, with_usage: bool = True
) -> dict[str, Any]:
    content = "".join(c.content)  # pieces cut inside UTF-16 pairs join into whole characters
    content = content.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if c.reasoning_field:
        message[c.reasoning_field] = "".join(c.reasoning)
    body: dict[str, Any] = {
        "id": "chatcmpl-" + request_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": c.finish_reason}],
    }
    if with_usage:
        body["usage"] = c.usage()
    return body
