"""One WooCommerce store's REST API v3 over httpx: orders listed for reconciliation, an order
read, its status set and a note added (fulfilment), products found by SKU and their stock set.

Authentication is HTTP Basic with the store's consumer key and secret, which WooCommerce
accepts only over HTTPS (plain HTTP is allowed here only to a loopback fake). Answers are
sorted by ``shared.http_answers.classify``: 429, 5xx and network faults are ``RetryLater``
(with ``Retry-After`` as the hint), anything else not 2xx is ``Refused`` with WooCommerce's
own ``code`` and ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.connectors.channels.port import Refused, RetryLater
from shared.http_answers import Verdict, classify

API = "/wp-json/wc/v3"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class NotFound(Refused):
    """WooCommerce answered 404 (``woocommerce_rest_shop_order_invalid_id`` and the like)."""


def checked_base_url(value: str) -> str:
    """The store's URL, without a trailing slash: https, or plain http on loopback only (the
    consumer secret travels in every request)."""
    parts = urlsplit(value)
    if not parts.hostname or parts.query or parts.fragment:
        raise ValueError("base_url must be an absolute URL without query or fragment")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return value.rstrip("/")
    raise ValueError("base_url must use https (plain http only on loopback)")


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    total: int
    total_pages: int


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("code"):
        return f"HTTP {response.status_code} {body.get('code')}: {body.get('message')}"
    return f"HTTP {response.status_code}: {response.text[:200].strip()}"


def _count(value: str | None) -> int:
    try:
        return max(0, int(value or "0"))
    except ValueError:
        return 0


class WooApi:
    def __init__(
        self, http: httpx.AsyncClient, base_url: str, consumer_key: str, consumer_secret: str
    ) -> None:
        self._http = http
        self._base = checked_base_url(base_url) + API
        self._auth = httpx.BasicAuth(consumer_key, consumer_secret)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                method, self._base + path, params=params, json=json, auth=self._auth
            )
        except httpx.TransportError as error:
            raise RetryLater(f"network: {error!r}") from error
        answer = classify(response.status_code, response.headers)
        if answer.retryable:
            raise RetryLater(_reason(response), wait_seconds=answer.wait_seconds)
        if response.status_code == 404:
            raise NotFound(_reason(response))
        if answer.verdict is not Verdict.OK:
            raise Refused(_reason(response))
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._call(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as error:
            raise RetryLater(f"HTTP {response.status_code} with a body that is not JSON") from error

    async def orders_page(
        self, modified_after: datetime, *, page: int, per_page: int
    ) -> OrdersPage:
        """One page of every order (any status) modified after ``modified_after`` (UTC),
        the least recently modified first."""
        params = {
            "modified_after": modified_after.strftime("%Y-%m-%dT%H:%M:%S"),
            "dates_are_gmt": "true",
            "status": "any",
            "orderby": "modified",
            "order": "asc",
            "per_page": str(per_page),
            "page": str(page),
        }
        response = await self._call("GET", "/orders", params=params)
        try:
            body = response.json()
        except ValueError as error:
            raise RetryLater("HTTP 200 with a body that is not JSON") from error
        if not isinstance(body, list):
            raise Refused("HTTP 200 without a list of orders")
        total = _count(response.headers.get("x-wp-total"))
        pages = _count(response.headers.get("x-wp-totalpages"))
        return OrdersPage(body, total, pages)

    async def order(self, order_id: str) -> dict[str, Any]:
        body = await self._json("GET", f"/orders/{order_id}")
        if not isinstance(body, dict):
            raise Refused(f"order {order_id}: the answer is not an object")
        return body

    async def set_status(self, order_id: str, status: str) -> dict[str, Any]:
        body = await self._json("PUT", f"/orders/{order_id}", json={"status": status})
        return body if isinstance(body, dict) else {}

    async def notes(self, order_id: str) -> list[dict[str, Any]]:
        body = await self._json("GET", f"/orders/{order_id}/notes")
        return [n for n in body if isinstance(n, dict)] if isinstance(body, list) else []

    async def add_note(self, order_id: str, note: str, *, customer_note: bool) -> dict[str, Any]:
        body = await self._json(
            "POST",
            f"/orders/{order_id}/notes",
            json={"note": note, "customer_note": customer_note},
        )
        return body if isinstance(body, dict) else {}

    async def products_by_sku(self, sku: str) -> list[dict[str, Any]]:
        """Products and variations whose SKU is ``sku`` (WooCommerce searches both)."""
        body = await self._json("GET", "/products", params={"sku": sku})
        return [p for p in body if isinstance(p, dict)] if isinstance(body, list) else []

    async def product(self, path: str) -> dict[str, Any]:
        body = await self._json("GET", path)
        if not isinstance(body, dict):
            raise Refused(f"{path}: the answer is not an object")
        return body

    async def set_stock(self, path: str, quantity: int) -> dict[str, Any]:
        body = await self._json(
            "PUT", path, json={"manage_stock": True, "stock_quantity": quantity}
        )
        return body if isinstance(body, dict) else {}
