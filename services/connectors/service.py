"""Connectors use cases: accept a Shopify webhook once, register shops and SKU mappings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository
from services.connectors.shopify import orders as shopify_orders
from services.connectors.shopify import signature
from shared import outbox


class WebhookRejected(Exception):
    """A webhook we refuse; ``status`` is the HTTP answer (401 bad signature, 400 bad body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


class ConnectorError(ValueError):
    pass


class ShopExists(ConnectorError):
    pass


class UnknownShop(ConnectorError):
    pass


@dataclass(frozen=True)
class ShopifyDelivery:
    """A webhook request as received: raw bytes and the headers Shopify sends."""

    body: bytes
    shop: str | None
    topic: str | None
    hmac: str | None
    webhook_id: str | None
    event_id: str | None


HANDLED_TOPICS = frozenset({"orders/create"})


async def accept_shopify_webhook(engine: AsyncEngine, delivery: ShopifyDelivery) -> Outcome:
    """Verify, dedupe on the webhook id and publish the normalised order, in one commit."""
    if not delivery.shop:
        raise WebhookRejected(401, "missing X-Shopify-Shop-Domain")
    async with engine.connect() as conn:
        secret = await repository.shop_secret(conn, delivery.shop)
    if secret is None or not signature.verify(delivery.body, secret, delivery.hmac):
        raise WebhookRejected(401, "invalid webhook signature")
    if not delivery.webhook_id or not delivery.topic:
        raise WebhookRejected(400, "missing X-Shopify-Webhook-Id or X-Shopify-Topic")
    try:
        payload = json.loads(delivery.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookRejected(400, f"malformed JSON: {error}") from error

    async with engine.begin() as conn:
        if delivery.topic not in HANDLED_TOPICS:
            recorded = await repository.record_delivery(
                conn,
                webhook_id=delivery.webhook_id,
                shop=delivery.shop,
                topic=delivery.topic,
                event_id=delivery.event_id,
                external_id=None,
                outcome=Outcome.IGNORED,
            )
            return Outcome.IGNORED if recorded else Outcome.DUPLICATE
        mappings = await repository.sku_mappings(conn, delivery.shop)
        try:
            order = shopify_orders.to_inbound_order(
                payload, shop=delivery.shop, item_for=mappings.get
            )
        except (shopify_orders.InvalidShopifyOrder, ValueError) as error:
            raise WebhookRejected(400, str(error)) from error
        recorded = await repository.record_delivery(
            conn,
            webhook_id=delivery.webhook_id,
            shop=delivery.shop,
            topic=delivery.topic,
            event_id=delivery.event_id,
            external_id=order.external_id,
            outcome=Outcome.ACCEPTED,
        )
        if not recorded:
            return Outcome.DUPLICATE
        await outbox.add(conn, [order])
    return Outcome.ACCEPTED


async def register_shop(
    engine: AsyncEngine,
    *,
    domain: str,
    channel: str,
    secret: str,
    admin: dict[str, Any] | None = None,
) -> Any:
    """``admin``: optional ``admin_api_url``, ``access_token``, ``notify_customer``."""
    async with engine.begin() as conn:
        if not await repository.insert_shop(conn, domain=domain, channel=channel, secret=secret):
            raise ShopExists(f"shop {domain} is already registered")
        await repository.update_shop(conn, domain, admin or {})
        return await repository.shop(conn, domain)


async def update_shop(engine: AsyncEngine, domain: str, admin: dict[str, Any]) -> Any:
    """Set the shop's Admin API access; only the keys given change."""
    async with engine.begin() as conn:
        if not await repository.update_shop(conn, domain, admin):
            raise UnknownShop(f"unknown shop {domain}")
        return await repository.shop(conn, domain)
