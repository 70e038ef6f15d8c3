"""A saved conversation as a Markdown document or as JSON (never any API key)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from ..base.i18n import _
from ..base.textfmt import plain
from .records import ConversationRecord, MessageStatus, StoredAttachment, StoredMessage

FORMAT = "tokendeck.conversation"
VERSION = 1
_SECRET_WORDS = ("key", "authorization", "secret", "password", "bearer", "cookie")


def _scrub(params: dict[str, Any]) -> dict[str, Any]:
    """Message params without anything that names a credential."""
    return {k: v for k, v in params.items() if not any(w in k.lower() for w in _SECRET_WORDS)}


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _role(role: str) -> str:
    names = {"user": _("User"), "assistant": _("Assistant"), "system": _("System")}
    return names.get(role, role.capitalize())


def _footer(message: StoredMessage) -> str:
    parts = [message.model] if message.model else []
    if message.prompt_tokens is not None or message.completion_tokens is not None:
        parts.append(
            _("{prompt} prompt + {completion} completion tokens").format(
                prompt=message.prompt_tokens or 0, completion=message.completion_tokens or 0
            )
        )
    if message.credits is not None:
        text = _("{credits} credits").format(credits=plain(message.credits))
        parts.append(text + (" " + _("(estimated)") if message.credits_estimated else ""))
    if message.status != MessageStatus.DONE:
        parts.append(str(message.status) + (f": {message.error}" if message.error else ""))
    elif message.role == "assistant" and message.finish_reason not in (None, "stop"):
        # the token cap (length) or a filter (content_filter) ended it: not a whole answer
        parts.append(_("ended early: {reason}").format(reason=message.finish_reason))
    return "*" + " · ".join(parts) + "*" if parts else ""


def to_markdown(conversation: ConversationRecord, messages: Sequence[StoredMessage]) -> str:
    """Title, metadata, then each message under its role with reasoning folded away."""
    settings = conversation.settings
    lines = [f"# {conversation.title or _('Untitled conversation')}", ""]
    meta = [
        (_("Created"), _when(conversation.created)),
        (_("Updated"), _when(conversation.updated)),
        (_("Profile"), conversation.profile),
        (_("Model"), settings.model),
        (_("Temperature"), settings.temperature),
        (_("Top p"), settings.top_p),
        (_("Max tokens"), settings.max_tokens),
        (_("Stop"), ", ".join(repr(s) for s in settings.stop)),
    ]
    if conversation.parent_id is not None:
        meta.append((_("Forked from conversation"), conversation.parent_id))
    lines += [f"- {name}: {value}" for name, value in meta if value not in (None, "")]
    if settings.system:
        lines += ["", f"**{_('System prompt')}**", ""]
        lines += ["> " + line for line in settings.system.splitlines()]
    for message in messages:
        lines += ["", "---", "", f"## {_role(message.role)}", ""]
        if message.reasoning:
            lines += ["<details>", f"<summary>{_('Reasoning')}</summary>", ""]
            lines += [message.reasoning, "", "</details>", ""]
        lines.append(message.content)
        for file in message.attachments:
            lines += ["", *_file_lines(file)]
        if footer := _footer(message):
            lines += ["", footer]
    return "\n".join(lines).rstrip() + "\n"


def _file_lines(file: StoredAttachment) -> list[str]:
    """An attached file in Markdown: a text file whole in a fence, an image by its name."""
    size = _("{size} bytes").format(size=file.size)
    if file.is_image:
        return [f"*{_('Attached image')}: {file.name} ({file.media_type}, {size})*"]
    text = file.data.decode("utf-8", "replace")
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`{3,}", text)), default=0))
    return [f"*{_('Attached file')}: {file.name} ({size})*", "", fence, text.rstrip("\n"), fence]


def _file(file: StoredAttachment) -> dict[str, Any]:
    found: dict[str, Any] = {"name": file.name, "media_type": file.media_type,
                             "size": file.size, "sha256": file.sha256}  # fmt: skip
    if file.is_image:
        found["data"] = base64.b64encode(file.data).decode("ascii")
    else:
        found["text"] = file.data.decode("utf-8", "replace")
    return found


def _message(message: StoredMessage) -> dict[str, Any]:
    usage = None
    if message.prompt_tokens is not None or message.completion_tokens is not None:
        usage = {
            "prompt_tokens": message.prompt_tokens,
            "completion_tokens": message.completion_tokens,
        }
    return {
        "id": message.id,
        "position": message.position,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "model": message.model,
        "params": _scrub(message.params),
        "created": message.created.isoformat(),
        "status": str(message.status),
        "finish_reason": message.finish_reason,
        "error": message.error,
        "request_id": message.request_id,
        "usage": usage,
        "credits": None if message.credits is None else plain(message.credits),
        "credits_estimated": message.credits_estimated,
        "attachments": [_file(f) for f in message.attachments],
    }


def to_dict(conversation: ConversationRecord, messages: Sequence[StoredMessage]) -> dict[str, Any]:
    """The JSON structure (see to_json) as Python data."""
    settings = asdict(conversation.settings)
    settings["stop"] = list(conversation.settings.stop)
    return {
        "format": FORMAT,
        "version": VERSION,
        "conversation": {
            "id": conversation.id,
            "title": conversation.title,
            "title_custom": conversation.title_custom,
            "pinned": conversation.pinned,
            "created": conversation.created.isoformat(),
            "updated": conversation.updated.isoformat(),
            "profile": conversation.profile,
            "parent_id": conversation.parent_id,
            "fork_message_id": conversation.fork_message_id,
            "settings": settings,
        },
        "messages": [_message(m) for m in messages],
    }


def to_json(conversation: ConversationRecord, messages: Sequence[StoredMessage]) -> str:
    """Stable JSON: {"format": "tokendeck.conversation", "version": 1, "conversation": {id,
    title, title_custom, pinned, created, updated (ISO 8601 UTC), profile, parent_id,
    fork_message_id, settings: {model, system, temperature, top_p, max_tokens, stop}},
    "messages": [{id, position, role, content, reasoning, model, params, created, status,
    finish_reason, error, request_id, usage: {prompt_tokens, completion_tokens} | null,
    credits: "decimal as string" | null, credits_estimated, attachments: [{name, media_type,
    size, sha256, text (text files) | data (images, base64)}]}]}. Keys keep this order."""
    return json.dumps(to_dict(conversation, messages), ensure_ascii=False, indent=2) + "\n"
