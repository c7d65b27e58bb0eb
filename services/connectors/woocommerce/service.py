"""WooCommerce use cases: connect a store, accept a webhook, reconcile now."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository as connectors_repository
from services.connectors.config import WriteBackSettings
from services.connectors.run_locks import one_at_a_time
from services.connectors.service import ShopExists, UnknownShop
from services.connectors.woocommerce import intake, orders, reconciliation, repository, webhook
from services.connectors.woocommerce.config import WooCommerceSettings
from services.connectors.woocommerce.webhook import BadWebhook, Delivery

log = logging.getLogger(__name__)


async def connect_store(
    engine: AsyncEngine,
    *,
    shop: str,
    base_url: str,
    consumer_key: str,
    consumer_secret: str,
    webhook_secret: str,
) -> Any:
    """Register the store; every secret is stored encrypted (``EncryptedText``)."""
    async with engine.begin() as conn:
        if not await connectors_repository.insert_shop(
            conn, domain=shop, channel=orders.CHANNEL, secret=webhook_secret
        ):
            raise ShopExists(f"shop {shop} is already registered")
        await connectors_repository.update_shop(
            conn, shop, {"admin_api_url": base_url, "access_token": consumer_secret}
        )
        await repository.insert_store(conn, domain=shop, consumer_key=consumer_key)
        return await repository.store(conn, shop)


async def store(engine: AsyncEngine, shop: str) -> Any:
    async with engine.connect() as conn:
        row = await repository.store(conn, shop)
    if row is None:
        raise UnknownShop(f"unknown WooCommerce store {shop}")
    return row


async def store_orders(engine: AsyncEngine, shop: str, *, limit: int) -> list[Any]:
    await store(engine, shop)
    async with engine.connect() as conn:
        return list(await repository.orders(conn, shop, limit=limit))


async def accept_webhook(engine: AsyncEngine, shop: str, delivery: Delivery) -> str:
    """401 unknown store or bad signature, 400 bad body; else what it did, in one
    transaction: a redelivery (same delivery id) is ``duplicate``, an older picture
    ``stale``, a ping or another topic ``ignored``."""
    async with engine.connect() as conn:
        row = await repository.store(conn, shop)
    if row is None or row.uninstalled_at is not None:
        raise BadWebhook(401, "invalid X-WC-Webhook-Signature")  # no hint of which stores exist
    webhook.verify(delivery, str(row.webhook_secret))
    if delivery.is_ping:
        return "ignored"
    topic = delivery.topic_name
    if topic not in webhook.ORDER_TOPICS:
        return "ignored"
    payload = webhook.read_body(delivery)
    order_id = str(payload["id"])
    key = webhook.dedupe_key(delivery, payload)
    async with engine.begin() as conn:
        if not await repository.first_delivery(conn, shop, key, topic=topic, order_id=order_id):
            return "duplicate"
        try:
            if topic == "order.deleted":
                decision = await intake.apply_deleted(conn, shop, order_id, source="webhook")
            else:
                decision = await intake.apply_order(conn, shop, payload, source="webhook")
        except orders.InvalidWooOrder as error:
            raise BadWebhook(400, str(error)) from error
        outcome = "stale" if decision.stale else decision.action.value
        await repository.finish_delivery(conn, shop, key, outcome)
    return outcome


async def reconcile_now(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    shop: str,
    settings: WooCommerceSettings,
    retries: WriteBackSettings,
) -> reconciliation.RunSummary:
    """An operator's run: waits for a run in progress on the store, then runs."""
    await store(engine, shop)
    async with one_at_a_time(engine, reconciliation.lock_name(shop), wait=True):
        return await reconciliation.reconcile_store(engine, http, shop, settings, retries)
