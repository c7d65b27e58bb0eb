"""Shopify's REST ``GET /admin/api/<version>/orders.json`` over httpx, for reconciliation.

REST, not GraphQL, because its order objects are exactly the webhook bodies: one parser
(``order_snapshot``) serves both, and ``current_quantity`` / ``refunds`` come with them.
The first page asks ``status=any&updated_at_min=…&limit=…``; the next pages follow the
cursor in the ``Link: <…page_info=…>; rel="next"`` header, which carries the filters itself
(Shopify refuses other parameters beside ``page_info`` except ``limit`` and ``fields``).
Answers are sorted like the GraphQL ones (the channel port's ``RetryLater`` / ``Refused``): 429
with its (fractional) ``Retry-After``, 5xx and network faults retry; the rest is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from services.connectors.channels.port import Refused, RetryLater
from shared.http_answers import Verdict, classify

NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def orders_url(graphql_url: str) -> str:
    """The REST orders endpoint beside the shop's GraphQL endpoint (same version)."""
    base, _, _ = graphql_url.rpartition("/")
    return f"{base}/orders.json"


def next_page(link_header: str | None) -> str | None:
    for part in (link_header or "").split(","):
        match = NEXT_LINK.search(part)
        if match:
            return match.group(1)
    return None


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    next_url: str | None


def _reason(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:200].strip()}"


class ShopifyOrdersRest:
    """One shop's orders listing."""

    def __init__(self, http: httpx.AsyncClient, url: str, access_token: str) -> None:
        self._http = http
        self._url = url
        self._token = access_token

    def first_page(self, updated_since: datetime, *, limit: int) -> tuple[str, dict[str, str]]:
        params = {
            "status": "any",
            "updated_at_min": updated_since.isoformat(),
            "limit": str(limit),
            "order": "updated_at asc",
        }
        return self._url, params

    async def page(self, url: str, params: dict[str, str] | None = None) -> OrdersPage:
        try:
            response = await self._http.get(
                url, params=params, headers={"X-Shopify-Access-Token": self._token}
            )
        except httpx.TransportError as error:
            raise RetryLater(f"network: {error!r}") from error
        answer = classify(response.status_code, response.headers)
        if answer.retryable:
            raise RetryLater(_reason(response), wait_seconds=answer.wait_seconds)
        if answer.verdict is not Verdict.OK:
            raise Refused(_reason(response))
        try:
            body = response.json()  # Python's json keeps 64-bit ids exact
        except ValueError as error:
            raise RetryLater(f"HTTP 200 with a body that is not JSON: {error}") from error
        orders = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(orders, list):
            raise Refused("HTTP 200 without an orders list")
        return OrdersPage(orders, next_page(response.headers.get("link")))
