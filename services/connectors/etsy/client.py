"""Etsy Open API v3 over httpx: the OAuth token endpoint, ``getShopReceipts``,
``getShopReceipt`` and ``createReceiptShipment``.

Every call first spends one request of the app's day (in the database) and waits for its
slot in the per-second bucket; answers are sorted like the Shopify client's: RetryLater
(429 with its ``retry-after``, 5xx, network) or Refused (the request itself is wrong).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.connectors.channels.port import Refused, RetryLater
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.ratelimit import PerSecondLimiter
from shared.http_answers import classify

DEFAULT_429_WAIT_SECONDS = 1.0


class InvalidToken(Refused):
    """HTTP 401: Etsy no longer takes this access token (revoked, or clocks apart)."""


class InvalidGrant(Refused):
    """The token endpoint's ``invalid_grant``: a code or refresh token it will not take
    (used already, expired, revoked)."""


class DailyBudgetSpent(RetryLater):
    """The app's 10,000 requests of the day are spent: wait for the next UTC day."""


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ReceiptsPage:
    count: int
    results: list[Any]


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, Mapping):
        parts = [str(body[k]) for k in ("error", "error_description") if body.get(k)]
        if parts:
            return ": ".join(parts)
    return str(body)[:200]


def _seconds_to_next_day(now: datetime) -> float:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (tomorrow - now).total_seconds()


class EtsyApi:
    """One Etsy app (keystring + shared secret), for any shop it has a token of."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: EtsySettings,
        *,
        limiter: PerSecondLimiter,
        spend_daily_call: Callable[[], Awaitable[bool]],
    ) -> None:
        self._http = http
        self._settings = settings
        self._limiter = limiter
        self._spend_daily_call = spend_daily_call

    async def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        if not await self._spend_daily_call():
            wait = _seconds_to_next_day(datetime.now(UTC))
            raise DailyBudgetSpent(
                f"the app's {self._settings.per_day} Etsy requests of the day are spent",
                wait_seconds=wait,
            )
        headers = {"x-api-key": self._settings.api_key(), **kwargs.pop("headers", {})}
        try:
            async with self._limiter.slot():
                response = await self._http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise RetryLater(f"network: {error!r}") from error
        answer = classify(response.status_code, response.headers)
        if answer.retryable:
            hint = answer.wait_seconds
            if hint is None and answer.throttled:
                hint = DEFAULT_429_WAIT_SECONDS
            raise RetryLater(
                f"HTTP {response.status_code}: {_error_text(response)}", wait_seconds=hint
            )
        if response.status_code == 401:
            raise InvalidToken(f"HTTP 401: {_error_text(response)}")
        if response.status_code == 400 and _error_text(response).startswith("invalid_grant"):
            raise InvalidGrant(f"HTTP 400: {_error_text(response)}")
        if response.status_code >= 300:
            raise Refused(f"HTTP {response.status_code}: {_error_text(response)}")
        try:
            return response.json()
        except ValueError as error:
            raise RetryLater(f"HTTP {response.status_code} with a body that is not JSON") from error

    async def _grant(self, form: dict[str, str]) -> TokenGrant:
        body = await self._send("POST", self._settings.token_url, data=form)
        try:
            return TokenGrant(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                expires_at=datetime.now(UTC) + timedelta(seconds=float(body["expires_in"])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise Refused(f"unexpected answer from the token endpoint: {error!r}") from error

    async def exchange_code(self, *, code: str, verifier: str, redirect_uri: str) -> TokenGrant:
        """Authorization code + PKCE verifier → the shop's first tokens."""
        return await self._grant(
            {
                "grant_type": "authorization_code",
                "client_id": self._settings.keystring,
                "redirect_uri": redirect_uri,
                "code": code,
                "code_verifier": verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenGrant:
        """A new access token and a new refresh token; the one given is spent."""
        return await self._grant(
            {
                "grant_type": "refresh_token",
                "client_id": self._settings.keystring,
                "refresh_token": refresh_token,
            }
        )

    def _shop_url(self, shop_id: str, tail: str) -> str:
        return f"{self._settings.api_base_url}/shops/{shop_id}/{tail}"

    async def shop_receipts(
        self, token: str, shop_id: str, *, min_last_modified: int | None, limit: int, offset: int
    ) -> ReceiptsPage:
        """``getShopReceipts`` of every status, oldest modification first."""
        params: dict[str, str | int] = {
            "limit": limit,
            "offset": offset,
            "sort_on": "updated",
            "sort_order": "asc",
        }
        if min_last_modified is not None:
            params["min_last_modified"] = min_last_modified
        body = await self._send(
            "GET",
            self._shop_url(shop_id, "receipts"),
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )
        if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
            raise Refused("unexpected answer to getShopReceipts: no results list")
        return ReceiptsPage(count=int(body.get("count") or 0), results=list(body["results"]))

    async def shop_receipt(self, token: str, shop_id: str, receipt_id: str) -> Any:
        """``getShopReceipt``."""
        return await self._send(
            "GET",
            self._shop_url(shop_id, f"receipts/{receipt_id}"),
            headers={"Authorization": f"Bearer {token}"},
        )

    async def create_receipt_shipment(
        self,
        token: str,
        shop_id: str,
        receipt_id: str,
        *,
        tracking_code: str | None,
        carrier_name: str | None,
    ) -> Any:
        """``createReceiptShipment``: the receipt, now with the shipment and tracking."""
        form = {
            key: value
            for key, value in (("tracking_code", tracking_code), ("carrier_name", carrier_name))
            if value
        }
        form["send_bcc"] = "false"
        return await self._send(
            "POST",
            self._shop_url(shop_id, f"receipts/{receipt_id}/tracking"),
            data=form,
            headers={"Authorization": f"Bearer {token}"},
        )
