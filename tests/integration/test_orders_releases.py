"""Held orders released on the real PostgreSQL: a mapping (however often, however
concurrently delivered) releases an order once, and publishes one OrderReceived."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import repository, service
from services.orders import tables as t
from services.orders.holds import holds, releases
from shared.consuming import apply_once
from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived, SkuMappingChanged
from shared.contracts.envelope import Envelope
from shared.units import Quantity


def held_order(shop: str, *skus: str) -> InboundOrderReceived:
    return InboundOrderReceived(
        channel="shopify",
        shop=shop,
        external_id=str(uuid.uuid4().int >> 65),
        lines=tuple(
            InboundOrderLine(
                external_line_id=str(no), sku=sku, item_code=None, quantity=Quantity.of(2, "pc")
            )
            for no, sku in enumerate(skus, start=1)
        ),
    )


async def receive(engine: AsyncEngine, event: InboundOrderReceived) -> uuid.UUID:
    await apply_once(engine, service.receive_inbound_order, Envelope.wrap(event), event)
    return service.order_id_for(event.channel, event.external_id)


async def published(engine: AsyncEngine, order_id: uuid.UUID, event_type: str) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.OUTBOX)
            .where(t.OUTBOX.c.key == str(order_id), t.OUTBOX.c.event_type == event_type)
        )
    return int(count or 0)


async def head(engine: AsyncEngine, order_id: uuid.UUID) -> Any:
    async with engine.connect() as conn:
        row = await repository.order_head(conn, order_id)
    assert row is not None
    return row


async def test_a_mapping_delivered_many_times_concurrently_releases_the_order_once(orders_engine):
    shop, sku = f"{uuid.uuid4().hex[:8]}.myshopify.com", "LAV-" + uuid.uuid4().hex[:6]
    order_id = await receive(orders_engine, held_order(shop, sku))
    mapping = SkuMappingChanged(shop=shop, sku=sku, item_code="SOAP-100")
    envelopes = [Envelope.wrap(mapping) for _ in range(5)]  # five publications of one change

    await asyncio.gather(
        *(apply_once(orders_engine, releases.apply_sku_mapping, e, mapping) for e in envelopes * 2)
    )

    order = await head(orders_engine, order_id)
    assert (order.status, order.hold_reason) == ("received", None)
    assert await published(orders_engine, order_id, "orders.order_received") == 1


async def test_an_order_with_two_unknown_skus_waits_for_both(orders_engine):
    shop = f"{uuid.uuid4().hex[:8]}.myshopify.com"
    order_id = await receive(orders_engine, held_order(shop, "A-1", "B-1"))
    first = SkuMappingChanged(shop=shop, sku="A-1", item_code="ITEM-A")

    await apply_once(orders_engine, releases.apply_sku_mapping, Envelope.wrap(first), first)

    order = await head(orders_engine, order_id)
    assert (order.status, order.hold_reason) == ("on_hold", "unknown_sku: B-1")
    second = SkuMappingChanged(shop=shop, sku="B-1", item_code="ITEM-B")
    await apply_once(orders_engine, releases.apply_sku_mapping, Envelope.wrap(second), second)
    assert (await head(orders_engine, order_id)).status == "received"


async def test_a_mapping_of_another_shop_releases_nothing(orders_engine):
    shop = f"{uuid.uuid4().hex[:8]}.myshopify.com"
    order_id = await receive(orders_engine, held_order(shop, "SAME-SKU"))
    elsewhere = SkuMappingChanged(shop="other.myshopify.com", sku="SAME-SKU", item_code="X")

    await apply_once(orders_engine, releases.apply_sku_mapping, Envelope.wrap(elsewhere), elsewhere)

    assert (await head(orders_engine, order_id)).status == "on_hold"


async def test_an_operator_release_twice_is_one_release_and_a_409(orders_engine):
    shop = f"{uuid.uuid4().hex[:8]}.myshopify.com"
    order_id = await receive(orders_engine, held_order(shop, ""))

    with pytest.raises(holds.StillHeld, match=r"unknown_sku: \(empty\)"):
        await releases.release_order(orders_engine, order_id, items={}, reason=None)
    await releases.release_order(orders_engine, order_id, items={1: "SOAP-100"}, reason="phoned")
    with pytest.raises(releases.OrderNotHeld):
        await releases.release_order(orders_engine, order_id, items={1: "SOAP-100"}, reason=None)

    assert await published(orders_engine, order_id, "orders.order_received") == 1
