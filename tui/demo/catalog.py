"""Model catalog of the demo gateway: ids, owners, prices and the charging formula."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ModelInfo:
    """One model the demo gateway serves; prices are integer credits per 1K tokens."""

    id: str
    owned_by: str
    in_price: int
    out_price: int
    created: int
    context_length: int | None = None
    reasoning_field: str | None = None  # "reasoning_content" (DeepSeek) or "reasoning" (OpenRouter)
    weight: int = 1  # relative share of the seeded history
    vision: bool = False  # takes image_url parts (others answer 400)


MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("deepseek-chat", "deepseek", 10, 20, 1_719_000_000, 65_536, weight=30),
    ModelInfo(
        "deepseek-reasoner",
        "deepseek",
        20,
        60,
        1_737_000_000,
        65_536,
        reasoning_field="reasoning_content",
        weight=10,
    ),
    ModelInfo("gpt-4o-mini", "openai", 10, 40, 1_721_000_000, 128_000, weight=20, vision=True),
    ModelInfo("gpt-4o", "openai", 50, 200, 1_715_000_000, weight=8, vision=True),
    ModelInfo(
        "claude-3-5-sonnet", "anthropic", 60, 300, 1_718_000_000, 200_000, weight=8, vision=True
    ),
    ModelInfo("qwen-plus", "alibaba", 8, 24, 1_716_000_000, weight=10),
    ModelInfo(
        "gemini-1.5-flash", "google", 5, 15, 1_716_500_000, 1_000_000, weight=8, vision=True
    ),
    ModelInfo(
        "qwen3-thinking",
        "alibaba",
        10,
        40,
        1_745_000_000,
        reasoning_field="reasoning",
        weight=6,
    ),
)

MODEL_BY_ID: dict[str, ModelInfo] = {m.id: m for m in MODELS}


def fen_for(model: ModelInfo, prompt_tokens: int, completion_tokens: int) -> int:
    """Credits charged for one request: at least 1, rounded to the nearest credit."""
    cost = prompt_tokens * model.in_price + completion_tokens * model.out_price
    return max(1, round(cost / 1000))


def per_token(price_per_1k: int, per_unit: int = 1) -> str:
    """A price per 1K tokens as a decimal string per token (OpenRouter's pricing shape), in
    credits, or in units of `per_unit` credits (USD: 100)."""
    return str(Decimal(price_per_1k) / Decimal(1000 * per_unit))


def model_entry(model: ModelInfo, per_unit: int = 1) -> dict[str, Any]:
    """The `/models` list entry; models with a known context length also carry pricing, in
    credits, or per `per_unit` credits for a family counting in USD (OpenRouter's pricing is
    USD per token): priced in credits there, estimates came out 100 times the billed cost."""
    entry: dict[str, Any] = {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": model.owned_by,
    }
    if model.context_length is not None:
        entry["context_length"] = model.context_length
        entry["pricing"] = {
            "prompt": per_token(model.in_price, per_unit),
            "completion": per_token(model.out_price, per_unit),
        }
    return entry
