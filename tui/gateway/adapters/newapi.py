"""new-api forks: `GET /balance` (opencodex) and the token usage endpoint `/api/usage/token/`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ...base.i18n import _
from ..errors import AuthError
from ..types import Balance
from .base import Adapter, Call, Client, data_of, dec

QUOTA_PER_USD = Decimal(500000)  # new-api's default: 500000 quota = 1 USD


class OpenCodex(Adapter):
    """`{success, remain_balance, used_balance, unlimited_quota}`, in the site's credits."""

    name = "opencodex"
    hosts = ("opencodex.hk",)
    calls = (Call("GET", "/balance"),)

    def parse(self, payloads: list[Any]) -> Balance | None:
        body = payloads[0]
        if not isinstance(body, dict) or "remain_balance" not in body:
            return None
        remaining = dec(body.get("remain_balance"))
        unlimited = bool(body.get("unlimited_quota")) or remaining == -1
        return Balance(
            self.name,
            None if unlimited else remaining,
            used=dec(body.get("used_balance")),
            unlimited=unlimited,
        )


class NewApiUser(Adapter):
    """`GET /api/user/self` with a user's access token (and new-api's `New-Api-User`):
    `{success, data: {quota, used_quota}}` in quota; new-api and one-api alike."""

    name = "newapi-user"
    unit = "USD"
    needs_user = True

    async def balance(self, client: Client) -> Balance | None:
        payload = await client.fetch_json(
            "GET", "/api/user/self", at_root=True, headers=user_headers(client)
        )
        return self.parse([payload])

    def parse(self, payloads: list[Any]) -> Balance | None:
        body = payloads[0]
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or "quota" not in data:
            return None
        left, used = dec(data.get("quota")), dec(data.get("used_quota"))
        return Balance(
            self.name,
            None if left is None else left / QUOTA_PER_USD,
            used=None if used is None else used / QUOTA_PER_USD,
            total=None if left is None or used is None else (left + used) / QUOTA_PER_USD,
            unit="USD",
            currency="USD",
        )


class NewApiToken(Adapter):
    """`{code, data: {total_granted, total_used, total_available, unlimited_quota}}` in quota."""

    name = "newapi-token"
    unit = "USD"
    calls = (Call("GET", "/api/usage/token/", at_root=True),)

    def parse(self, payloads: list[Any]) -> Balance | None:
        data = data_of(payloads[0])
        if "total_available" not in data:
            return None
        unlimited = bool(data.get("unlimited_quota"))
        available, used = dec(data.get("total_available")), dec(data.get("total_used"))
        granted = dec(data.get("total_granted"))
        return Balance(
            self.name,
            None if unlimited or available is None else available / QUOTA_PER_USD,
            used=None if used is None else used / QUOTA_PER_USD,
            total=None if unlimited or granted is None else granted / QUOTA_PER_USD,
            unlimited=unlimited,
            unit="USD",
            currency="USD",
        )


def user_headers(client: Client) -> Mapping[str, str]:
    """The access token (it replaces the key) and new-api's `New-Api-User`."""
    token = client.spec.access_token
    if token is None:
        raise AuthError(
            _("{where}'s user log needs the access token of your account: set access_token "
              "(and user_id) in the profile.").format(where=client.where)
        )  # fmt: skip
    headers = {"Authorization": token.reveal()}
    if client.spec.user_id:
        headers["New-Api-User"] = client.spec.user_id
    return headers
