"""`GET /models`: the OpenAI list shape, with OpenRouter-style context length and pricing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..base.i18n import _
from .adapters.base import dec
from .errors import ProtocolError
from .types import Model


def parse_models(payload: Any, where: str) -> list[Model]:
    items = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ProtocolError(_("{where} sent a model list in an unknown shape.").format(where=where))
    models = [m for m in (_model(item) for item in items) if m is not None]
    return sorted(models, key=lambda m: m.id.lower())


def _model(item: Any) -> Model | None:
    if isinstance(item, str):
        return Model(item)
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    raw_pricing = item.get("pricing")
    pricing: dict[str, Any] = raw_pricing if isinstance(raw_pricing, dict) else {}
    created = item.get("created")
    context = (
        item.get("context_length") or item.get("context_window") or item.get("max_input_tokens")
    )
    return Model(
        id=item["id"],
        owned_by=str(item.get("owned_by") or ""),
        created=datetime.fromtimestamp(created, UTC)
        if isinstance(created, int | float) and created > 0
        else None,
        context_length=int(context) if isinstance(context, int | float) else None,
        prompt_price=dec(pricing.get("prompt")),
        completion_price=dec(pricing.get("completion")),
    )
