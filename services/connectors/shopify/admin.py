"""Shopify Admin GraphQL over httpx: the two calls a fulfilment write-back needs, and the
answers sorted into three kinds — retry after a wait Shopify names, retry with backoff,
or give up (the request itself is wrong, so repeating it cannot help): the channel port's
``RetryLater`` / ``Refused``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from services.connectors.channels.port import Refused, RetryLater
from services.connectors.shopify import throttle
from services.connectors.shopify.fulfillment import OrderFulfilment, UnreadableAnswer, read_order
from shared.http_answers import Verdict, classify

API_VERSION = "2025-01"

ORDER_FULFILLMENT_QUERY = (
    "query($id: ID!) { order(id: $id) { "
    "fulfillmentOrders(first: 20) { nodes { id status "
    "lineItems(first: 100) { nodes { id remainingQuantity lineItem { id sku } } } } } "
    "fulfillments(first: 50) { id status trackingInfo { number } } } }"
)

FULFILLMENT_CREATE = (
    "mutation fulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) { "
    "fulfillmentCreate(fulfillment: $fulfillment, message: $message) { "
    "fulfillment { id status } userErrors { field message } } }"
)

QUERY_COST_GUESS = 50.0  # until Shopify has told us the real one
TRANSIENT_CODES = frozenset({"INTERNAL_SERVER_ERROR"})  # Shopify's side, worth another try


def default_admin_url(domain: str) -> str:
    return f"https://{domain}/admin/api/{API_VERSION}/graphql.json"


def order_gid(external_id: str) -> str:
    return f"gid://shopify/Order/{external_id}"


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
        )
    return str(body)[:200]


class ShopifyAdmin:
    """One shop's Admin API. Waits before a call when the last answer said the bucket is
    too empty for it, so a burst of write-backs slows down instead of being throttled."""

    def __init__(self, http: httpx.AsyncClient, url: str, access_token: str) -> None:
        self._http = http
        self._url = url
        self._token = access_token
        self._status: throttle.ThrottleStatus | None = None
        self._status_at = 0.0

    async def _wait_for_points(self, needed: float) -> None:
        if self._status is None:
            return
        elapsed = time.monotonic() - self._status_at
        refilled = min(
            self._status.maximum_available,
            self._status.currently_available + elapsed * self._status.restore_rate,
        )
        current = throttle.ThrottleStatus(
            self._status.maximum_available, refilled, self._status.restore_rate
        )
        wait = throttle.seconds_until_available(current, needed)
        if wait:
            await asyncio.sleep(wait)

    async def _post(self, query: str, variables: dict[str, Any], *, cost: float) -> Any:
        """``data`` of a successful answer; raises RetryLater or Refused otherwise."""
        await self._wait_for_points(cost)
        try:
            response = await self._http.post(
                self._url,
                json={"query": query, "variables": variables},
                headers={"X-Shopify-Access-Token": self._token},
            )
        except httpx.TransportError as error:
            raise RetryLater(f"network: {error!r}") from error
        answer = classify(response.status_code, response.headers)
        if answer.retryable:
            raise RetryLater(
                f"HTTP {response.status_code}: {_error_text(response)}",
                wait_seconds=answer.wait_seconds,
            )
        if answer.verdict is not Verdict.OK:
            raise Refused(f"HTTP {response.status_code}: {_error_text(response)}")
        try:
            body = response.json()
        except ValueError as error:
            raise RetryLater(f"HTTP 200 with a body that is not JSON: {error}") from error
        if not isinstance(body, dict):
            raise Refused("HTTP 200 with a body that is not a JSON object")
        cost_info = throttle.read_cost(body)
        if cost_info is not None and cost_info.throttle is not None:
            self._status, self._status_at = cost_info.throttle, time.monotonic()
        if classify(response.status_code, throttled=throttle.is_throttled(body)).throttled:
            wait = throttle.throttled_wait(cost_info, fallback_cost=cost)
            raise RetryLater("THROTTLED: the shop's query cost bucket is empty", wait_seconds=wait)
        if throttle.error_codes(body) & TRANSIENT_CODES:
            raise RetryLater(f"GraphQL errors: {_error_text(response)}")
        if body.get("errors"):
            raise Refused(f"GraphQL errors: {_error_text(response)}")
        return body.get("data")

    async def order_fulfilment(self, external_id: str) -> OrderFulfilment:
        data = await self._post(
            ORDER_FULFILLMENT_QUERY, {"id": order_gid(external_id)}, cost=QUERY_COST_GUESS
        )
        order = data.get("order") if isinstance(data, dict) else None
        if order is None:
            raise Refused(f"Shopify has no order {order_gid(external_id)}")
        try:
            return read_order(order)
        except UnreadableAnswer as error:
            raise Refused(f"unexpected answer to the order query: {error}") from error

    async def create_fulfillment(self, variables: dict[str, Any]) -> str:
        """The new fulfillment's id; userErrors are a refusal with Shopify's messages."""
        data = await self._post(FULFILLMENT_CREATE, variables, cost=throttle.MUTATION_COST)
        payload = data.get("fulfillmentCreate") if isinstance(data, dict) else None
        if not isinstance(payload, dict):
            raise Refused("unexpected answer to fulfillmentCreate: no payload")
        errors = payload.get("userErrors") or []
        if errors:
            messages = "; ".join(
                f"{'.'.join(map(str, e.get('field') or []))}: {e.get('message')}".lstrip(": ")
                for e in errors
            )
            raise Refused(f"Shopify refused the fulfillment: {messages}")
        fulfillment = payload.get("fulfillment")
        if not isinstance(fulfillment, dict) or not fulfillment.get("id"):
            raise Refused("unexpected answer to fulfillmentCreate: no fulfillment and no errors")
        return str(fulfillment["id"])
