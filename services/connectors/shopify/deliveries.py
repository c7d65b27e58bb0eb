"""Shopify webhooks in: verified, deduplicated and persisted raw in one short transaction,
answered at once, processed later by the delivery worker (``delivery_worker.py``).

Shopify gives a webhook a few seconds and retries a failed one for hours with the same
body; so the request does nothing slow. The row holds the body exactly as signed, so a
crash after the 200 loses nothing: the worker finds the row still pending.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import repository
from services.connectors.service import Outcome, ShopifyDelivery, WebhookRejected
from services.connectors.shopify import order_snapshot, signature
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.orders import InvalidShopifyOrder

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
REFUND_TOPIC = "refunds/create"
UNINSTALLED_TOPIC = "app/uninstalled"
GONE = 410  # the shop uninstalled the app: nothing from it is accepted any more
# The largest body processed; larger signed ones are kept dead (the webhook path itself
# admits up to RequestLimits.max_webhook_bytes, so the signature can still be checked).
MAX_PROCESSED_BYTES = 2 * 1024 * 1024


def _external_id(topic: str, payload: Any) -> str | None:
    """Check the body reads as its topic says (400 now, not a dead row later)."""
    try:
        if topic in ORDER_TOPICS:
            return order_snapshot.read_order(payload).external_id
        if topic == REFUND_TOPIC:
            return order_snapshot.read_refund(payload).external_id
    except InvalidShopifyOrder as error:
        raise WebhookRejected(400, str(error)) from error
    return None


async def _verified_shop(
    conn: AsyncConnection, delivery: ShopifyDelivery
) -> repository.WebhookShop:
    if not delivery.shop:
        raise WebhookRejected(401, "missing X-Shopify-Shop-Domain")
    shop = await repository.shop_for_webhook(conn, delivery.shop)
    if shop is None or not signature.verify(delivery.body, shop.webhook_secret, delivery.hmac):
        raise WebhookRejected(401, "invalid webhook signature")
    if shop.uninstalled_at is not None:
        raise WebhookRejected(GONE, f"shop {delivery.shop} uninstalled the app")
    return shop


def _readable(delivery: ShopifyDelivery, max_bytes: int) -> tuple[bool, str | None]:
    """Whether a signed body can be processed, and its order or refund's external id; a
    refusal as ``WebhookRejected`` (413 too large, 400 not JSON or not its topic's shape)."""
    if len(delivery.body) > max_bytes:
        raise WebhookRejected(413, f"body of {len(delivery.body)} bytes exceeds {max_bytes}")
    try:
        payload = orjson.loads(delivery.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookRejected(400, f"malformed JSON: {error}") from error
    handled = str(delivery.topic) in ORDER_TOPICS | {REFUND_TOPIC, UNINSTALLED_TOPIC}
    return handled, _external_id(str(delivery.topic), payload) if handled else None


async def accept(
    engine: AsyncEngine, delivery: ShopifyDelivery, *, max_bytes: int | None = None
) -> Outcome:
    """401 bad signature, 410 uninstalled shop; 413 too large or 400 bad body, but a signed
    one is kept (dead, with the reason) for an operator to see and replay, never lost;
    else stored once, pending, and committed before the answer.

    Two round trips: the shop read and the row's insert each run as a statement of its own
    (``fetch_alone``), no BEGIN and COMMIT around them. A transaction would add nothing:
    under READ COMMITTED the read locks nothing, so a shop uninstalled between the two is
    no more seen inside one than outside; the insert is the one write. Only the uninstall
    webhook, which writes its row and the shop's, takes a transaction."""
    refused: WebhookRejected | None = None
    async with engine.connect() as conn:
        await _verified_shop(conn, delivery)
        if not delivery.webhook_id or not delivery.topic:
            raise WebhookRejected(400, "missing X-Shopify-Webhook-Id or X-Shopify-Topic")
        row: dict[str, Any] = {
            "webhook_id": delivery.webhook_id,
            "shop_domain": delivery.shop,
            "topic": delivery.topic,
            "event_id": delivery.event_id,
            "body": delivery.body,
        }
        try:
            handled, external_id = _readable(delivery, max_bytes or MAX_PROCESSED_BYTES)
        except WebhookRejected as rejected:  # kept, then refused once committed
            refused = rejected
            reason = f"refused {rejected.status}: {rejected.reason}"[:2000]
            await repo.insert_delivery(
                conn, **row, status="dead", outcome="refused", last_error=reason, alone=True
            )
        else:
            row |= {
                "external_id": external_id,
                "status": "pending" if handled else "done",
                "outcome": "accepted" if handled else Outcome.IGNORED.value,
            }
            if delivery.topic == UNINSTALLED_TOPIC:
                async with conn.begin():
                    first = await repo.insert_delivery(conn, **row)
                    if first:
                        await uninstall(conn, str(delivery.shop), webhook_id=delivery.webhook_id)
            else:
                first = await repo.insert_delivery(conn, **row, alone=True)
            if not first:
                return Outcome.DUPLICATE
    if refused is not None:
        raise refused
    return Outcome.ACCEPTED if handled else Outcome.IGNORED


async def uninstall(conn: AsyncConnection, shop: str, *, webhook_id: str) -> None:
    """Disable the shop at once (not via the worker): no call may reach it after this."""
    await repository.update_shop(conn, shop, {"uninstalled_at": sa.func.now()})
    await repo.finish_delivery(conn, webhook_id, outcome="uninstalled", external_id=None)
