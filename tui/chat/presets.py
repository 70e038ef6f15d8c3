"""A chat's settings from the profile, a template and what the user set, model aliases resolved:
one rule for `tokendeck chat`, `tokendeck compare` and the app. No widgets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..profiles.config import Profile
from ..profiles.templates import Template, resolve_model
from .conversation import Settings


def profile_settings(profile: Profile, model: str | None = None) -> Settings:
    """A new conversation's settings: the profile's defaults (and `model` if given)."""
    return Settings(
        model=model or profile.default_model or "",
        system=profile.system_prompt or "",
        temperature=profile.temperature,
        top_p=profile.top_p,
        max_tokens=profile.max_tokens,
        stop=profile.stop,
    )


def with_template(
    settings: Settings, template: Template | None, aliases: Mapping[str, str] = {}
) -> Settings:
    """`settings` with what `template` sets (its model's alias resolved)."""
    if template is None:
        return settings
    return replace(
        settings,
        model=resolve_model(template.model, aliases) if template.model else settings.model,
        system=template.system if template.system is not None else settings.system,
        temperature=settings.temperature if template.temperature is None else template.temperature,
        top_p=settings.top_p if template.top_p is None else template.top_p,
        max_tokens=settings.max_tokens if template.max_tokens is None else template.max_tokens,
        stop=template.stop or settings.stop,
    )


def with_choices(
    settings: Settings,
    aliases: Mapping[str, str] = {},
    *,
    model: str | None = None,
    system: str | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    stop: tuple[str, ...] = (),
) -> Settings:
    """`settings` with what the user chose for this request (None / empty: unchanged), and
    the model's alias resolved."""
    chosen = replace(
        settings,
        model=model or settings.model,
        system=settings.system if system is None else system,
        temperature=settings.temperature if temperature is None else temperature,
        top_p=settings.top_p if top_p is None else top_p,
        max_tokens=settings.max_tokens if max_tokens is None else max_tokens,
        stop=stop or settings.stop,
    )
    return replace(chosen, model=resolve_model(chosen.model, aliases)) if chosen.model else chosen
