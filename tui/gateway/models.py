"""`GET /models`: the OpenAI list shape, with OpenRouter-style context length and pricing."""

from __future__ import annotations

from dataclasses import replace
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


def with_model_info(models: list[Model], payload: Any) -> list[Model]:
    """`models` with LiteLLM's `/model/info` filled in: the context length (max_input_tokens)
    and the prices per token in USD, where `/models` did not give them."""
    items = payload.get("data") if isinstance(payload, dict) else None
    info: dict[str, dict[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        details = item.get("model_info") if isinstance(item, dict) else None
        if isinstance(details, dict) and isinstance(item.get("model_name"), str):
            info.setdefault(item["model_name"], details)
    merged = []
    for model in models:
        details = info.get(model.id, {})
        context = details.get("max_input_tokens")
        merged.append(replace(
            model,
            context_length=model.context_length or (
                int(context) if isinstance(context, int | float) and context > 0 else None),
            prompt_price=model.prompt_price if model.prompt_price is not None
            else dec(details.get("input_cost_per_token")),
            completion_price=model.completion_price if model.completion_price is not None
            else dec(details.get("output_cost_per_token")),
        ))  # fmt: skip
    return merged


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
