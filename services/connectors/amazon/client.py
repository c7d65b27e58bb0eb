"""Amazon over httpx: the Login with Amazon token endpoint, the Orders API v0
(``getOrders``, ``getOrderItems``, ``getOrder``, ``confirmShipment``) and the Listings Items
API 2021-08-01 (``getListingsItem``, ``patchListingsItem``).

Every SP-API call first takes a token from its operation's bucket (``ratelimit``), sends the
seller's access token as ``x-amz-access-token`` and reads ``x-amzn-RateLimit-Limit``
back. Answers are sorted by the one classifier (``shared.http_answers``): RetryLater (429
``QuotaExceeded``, 5xx, network) or Refused (the request itself is wrong); a 403
``Unauthorized`` is an access token Amazon no longer takes (``InvalidToken``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from services.connectors.amazon.config import AmazonSettings, OperationRate
from services.connectors.amazon.ratelimit import OperationLimiter
from services.connectors.channels.port import Refused, RetryLater
from shared.http_answers import classify

GET_ORDERS = "getOrders"
GET_ORDER = "getOrder"
GET_ORDER_ITEMS = "getOrderItems"
CONFIRM_SHIPMENT = "confirmShipment"
GET_LISTINGS_ITEM = "getListingsItem"
PATCH_LISTINGS_ITEM = "patchListingsItem"
RATE_HEADER = "x-amzn-RateLimit-Limit"


class InvalidToken(Refused):
    """HTTP 403 ``Unauthorized``: the access token expired early or was revoked."""


class InvalidGrant(Refused):
    """Login with Amazon's ``invalid_grant``: the refresh token is revoked or expired."""


@dataclass(frozen=True)
class AccessGrant:
    access_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Seller:
    """Who is asking: the selling partner (its buckets) and its region's endpoint."""

    seller_id: str
    endpoint: str


@dataclass(frozen=True)
class OrdersPage:
    orders: list[Any]
    next_token: str | None
    last_updated_before: str | None


def error_text(response: httpx.Response) -> str:
    """SP-API's ``errors[]`` (code: message), or LWA's ``error: error_description``."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            text = f"{first.get('code')}: {first.get('message')}"
            return f"{text} ({first['details']})" if first.get("details") else text
        parts = [str(body[k]) for k in ("error", "error_description") if body.get(k)]
        if parts:
            return ": ".join(parts)
    return str(body)[:200]


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return str(errors[0].get("code"))
    error = body.get("error")
    return str(error) if error else None


def _payload(body: Any, operation: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping) or not isinstance(body.get("payload"), Mapping):
        raise Refused(f"unexpected answer to {operation}: no payload")
    payload: Mapping[str, Any] = body["payload"]
    return payload


class SpApi:
    """Amazon for any connected seller: one limiter, one HTTP client."""

    def __init__(
        self, http: httpx.AsyncClient, settings: AmazonSettings, *, limiter: OperationLimiter
    ) -> None:
        self._http = http
        self._settings = settings
        self._limiter = limiter

    def _rate(self, operation: str) -> OperationRate:
        return {
            GET_ORDERS: self._settings.get_orders,
            GET_ORDER: self._settings.get_order,
            GET_ORDER_ITEMS: self._settings.get_order_items,
            CONFIRM_SHIPMENT: self._settings.confirm_shipment,
            GET_LISTINGS_ITEM: self._settings.get_listings_item,
            PATCH_LISTINGS_ITEM: self._settings.patch_listings_item,
        }[operation]

    async def refresh(
        self, *, client_id: str, client_secret: str, refresh_token: str
    ) -> AccessGrant:
        """Login with Amazon: the refresh token (which does not rotate) for an access token."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        try:
            response = await self._http.post(self._settings.lwa_token_url, data=form)
        except httpx.TransportError as error:
            raise RetryLater(f"network: {error!r}") from error
        answer = classify(response.status_code, response.headers)
        if answer.retryable:
            raise RetryLater(
                f"HTTP {response.status_code}: {error_text(response)}",
                wait_seconds=answer.wait_seconds,
            )
        if response.status_code == 400 and _error_code(response) == "invalid_grant":
            raise InvalidGrant(error_text(response))
        if response.status_code >= 300:
            raise Refused(f"HTTP {response.status_code}: {error_text(response)}")
        try:
            body = response.json()
            return AccessGrant(
                access_token=str(body["access_token"]),
                expires_at=datetime.now(UTC) + timedelta(seconds=float(body["expires_in"])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise Refused(f"unexpected answer from Login with Amazon: {error!r}") from error

    async def _send(
        self, operation: str, seller: Seller, token: str, method: str, path: str, **kwargs: Any
    ) -> Any:
        rate = self._rate(operation)
        await self._limiter.take(seller.seller_id, operation, rate=rate.rate, burst=rate.burst)
        headers = {"x-amz-access-token": token, "accept": "application/json"}
        try:
            response = await self._http.request(
                method, f"{seller.endpoint}{path}", headers=headers, **kwargs
            )
        except httpx.TransportError as error:
            raise RetryLater(f"{operation}: network: {error!r}") from error
        self._limiter.observe(seller.seller_id, operation, response.headers.get(RATE_HEADER))
        answer = classify(response.status_code, response.headers)
        if answer.retryable:
            hint = answer.wait_seconds
            if answer.throttled:
                refill = self._limiter.throttled(seller.seller_id, operation)
                hint = hint if hint is not None else refill
            raise RetryLater(
                f"{operation}: HTTP {response.status_code}: {error_text(response)}",
                wait_seconds=hint,
            )
        if response.status_code == 403 and _error_code(response) == "Unauthorized":
            raise InvalidToken(f"{operation}: HTTP 403: {error_text(response)}")
        if response.status_code >= 300:
            raise Refused(f"{operation}: HTTP {response.status_code}: {error_text(response)}")
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise RetryLater(f"{operation}: HTTP {response.status_code}, not JSON") from error

    async def get_orders(
        self,
        seller: Seller,
        token: str,
        *,
        marketplace_ids: Sequence[str],
        last_updated_after: datetime,
        page_size: int,
        next_token: str | None = None,
    ) -> OrdersPage:
        """``getOrders`` by last update; a later page by its ``NextToken`` alone."""
        params: dict[str, str | int] = {"MarketplaceIds": ",".join(marketplace_ids)}
        if next_token:
            params["NextToken"] = next_token
        else:
            params["LastUpdatedAfter"] = last_updated_after.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            params["MaxResultsPerPage"] = page_size
        body = await self._send(
            GET_ORDERS, seller, token, "GET", "/orders/v0/orders", params=params
        )
        payload = _payload(body, GET_ORDERS)
        orders = payload.get("Orders")
        if not isinstance(orders, list):
            raise Refused("unexpected answer to getOrders: no Orders list")
        token_next = payload.get("NextToken")
        before = payload.get("LastUpdatedBefore")
        return OrdersPage(
            orders=list(orders),
            next_token=str(token_next) if token_next else None,
            last_updated_before=str(before) if before else None,
        )

    async def get_order_items(self, seller: Seller, token: str, order_id: str) -> list[Any]:
        """Every item of the order (``getOrderItems``, following its ``NextToken``)."""
        items: list[Any] = []
        next_token: str | None = None
        while True:
            params = {"NextToken": next_token} if next_token else None
            body = await self._send(
                GET_ORDER_ITEMS,
                seller,
                token,
                "GET",
                f"/orders/v0/orders/{order_id}/orderItems",
                params=params,
            )
            payload = _payload(body, GET_ORDER_ITEMS)
            page = payload.get("OrderItems")
            if not isinstance(page, list):
                raise Refused("unexpected answer to getOrderItems: no OrderItems list")
            items.extend(page)
            next_token = str(payload["NextToken"]) if payload.get("NextToken") else None
            if next_token is None:
                return items

    async def get_order(self, seller: Seller, token: str, order_id: str) -> Mapping[str, Any]:
        """``getOrder``: the order as Amazon holds it now."""
        body = await self._send(GET_ORDER, seller, token, "GET", f"/orders/v0/orders/{order_id}")
        return _payload(body, GET_ORDER)

    async def confirm_shipment(
        self, seller: Seller, token: str, order_id: str, body: Mapping[str, Any]
    ) -> None:
        """``confirmShipment``: Amazon answers 204 with no body."""
        await self._send(
            CONFIRM_SHIPMENT,
            seller,
            token,
            "POST",
            f"/orders/v0/orders/{order_id}/shipmentConfirmation",
            json=dict(body),
        )

    def _listing_path(self, seller: Seller, sku: str) -> str:
        return (
            f"/listings/2021-08-01/items/{quote(seller.seller_id, safe='')}/{quote(sku, safe='')}"
        )

    async def get_listings_item(
        self, seller: Seller, token: str, sku: str, *, marketplace_ids: Sequence[str]
    ) -> Mapping[str, Any]:
        """``getListingsItem`` with its ``fulfillmentAvailability`` (no envelope: the item)."""
        params = {
            "marketplaceIds": ",".join(marketplace_ids),
            "includedData": "fulfillmentAvailability",
        }
        body = await self._send(
            GET_LISTINGS_ITEM, seller, token, "GET", self._listing_path(seller, sku), params=params
        )
        if not isinstance(body, Mapping):
            raise Refused("unexpected answer to getListingsItem: not an object")
        return body

    async def patch_listings_item(
        self,
        seller: Seller,
        token: str,
        sku: str,
        body: Mapping[str, Any],
        *,
        marketplace_ids: Sequence[str],
    ) -> Mapping[str, Any]:
        """``patchListingsItem``: answered with the submission's ``status`` and ``issues``."""
        answer = await self._send(
            PATCH_LISTINGS_ITEM,
            seller,
            token,
            "PATCH",
            self._listing_path(seller, sku),
            params={"marketplaceIds": ",".join(marketplace_ids)},
            json=dict(body),
        )
        if not isinstance(answer, Mapping):
            raise Refused("unexpected answer to patchListingsItem: not an object")
        return answer
