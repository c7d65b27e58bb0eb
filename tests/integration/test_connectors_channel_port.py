"""The sales-channel port on the real PostgreSQL: a channel the shared write-back code has
never heard of (a fake WooCommerce) is driven from staging to done and to dead purely by
being registered."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.channels.port import (
    Attempt,
    Capability,
    FulfilmentPlan,
    NotSupported,
    Refused,
    ShopStock,
)
from services.connectors.channels.registry import Channels
from services.connectors.config import WriteBackSettings
from services.connectors.write_back import shipped_orders
from shared.consuming import Delivery, apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.orders import ShipmentDispatched

FAST = WriteBackSettings(
    max_attempts=3,
    backoff_initial_seconds=0.01,
    backoff_max_seconds=0.02,
    jitter_seconds=0.01,
    max_wait_seconds=0.1,
    lease_seconds=30.0,
)
WOO = "woocommerce"


class FakeWoo:
    """A channel registered only here: it records what the shared code asked of it."""

    name = WOO
    capabilities = frozenset({Capability.FULFILMENT})
    write_back_kinds = frozenset({"woo_shipment"})

    def __init__(self, *, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.sent: list[dict[str, Any]] = []

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan:
        return FulfilmentPlan("woo_shipment", {"order": event.external_id})

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt:
        async def once() -> str | None:
            if self.refuse:
                raise Refused(self.refuse)
            self.sent.append(dict(row.payload))
            return f"woo-{row.payload['order']}"

        return once

    async def shop_stock(
        self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str
    ) -> ShopStock:
        raise NotSupported(self.name, Capability.STOCK_PUSH)


def shipped(external_id: str) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel=WOO,
        shop="woo.example",
        external_id=external_id,
        carrier="DHL",
        tracking_number="JJD1",
        lots=(),
        completes_order=False,
    )


async def stage(engine: AsyncEngine, event: ShipmentDispatched, channels: Channels) -> Any:
    async def use_case(tx: Delivery, e: ShipmentDispatched) -> None:
        await shipped_orders.stage_for_shipment(tx, e, channels)

    await apply_once(engine, use_case, Envelope.wrap(event), event)
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(t.write_back).where(t.write_back.c.shipment_id == event.shipment_id)
            )
        ).one()


async def outbox_events(engine: AsyncEngine, event_type: str, shipment_id: uuid.UUID) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope).where(
                t.OUTBOX.c.event_type == event_type,
                t.OUTBOX.c.envelope["payload"]["shipment_id"].astext == str(shipment_id),
            )
        )
        return [r.envelope["payload"] for r in rows]


async def test_a_registered_channel_is_driven_through_write_back_without_shared_edits(
    connectors_engine: AsyncEngine,
) -> None:
    woo = FakeWoo()
    channels = Channels([woo])
    event = shipped("W-1001")

    row = await stage(connectors_engine, event, channels)
    assert (row.kind, row.status, row.payload) == ("woo_shipment", "pending", {"order": "W-1001"})

    async with httpx.AsyncClient() as http:
        performed = await shipped_orders.perform(
            connectors_engine, http, FAST, write_back_id=row.id, channels=channels
        )

    assert performed
    assert woo.sent == [{"order": "W-1001"}]
    [fulfilled] = await outbox_events(
        connectors_engine, "connectors.channel_fulfilled", event.shipment_id
    )
    assert (fulfilled["channel"], fulfilled["external_fulfillment_id"]) == (WOO, "woo-W-1001")


async def test_a_registered_channels_refusal_makes_a_dead_write_back_naming_it(
    connectors_engine: AsyncEngine,
) -> None:
    channels = Channels([FakeWoo(refuse="order W-1002 is closed")])
    event = shipped("W-1002")
    row = await stage(connectors_engine, event, channels)

    async with httpx.AsyncClient() as http:
        await shipped_orders.perform(
            connectors_engine, http, FAST, write_back_id=row.id, channels=channels
        )

    failed_type = "connectors.channel_write_back_failed"
    [failed] = await outbox_events(connectors_engine, failed_type, event.shipment_id)
    assert (failed["channel"], failed["reason"]) == (WOO, "order W-1002 is closed")


async def test_a_write_back_no_registered_channel_owns_is_dead_not_stuck(
    connectors_engine: AsyncEngine,
) -> None:
    event = shipped("W-1003")
    row = await stage(connectors_engine, event, Channels([FakeWoo()]))

    async with httpx.AsyncClient() as http:  # WooCommerce was taken out of the registry
        await shipped_orders.perform(
            connectors_engine, http, FAST, write_back_id=row.id, channels=Channels([])
        )

    failed_type = "connectors.channel_write_back_failed"
    [failed] = await outbox_events(connectors_engine, failed_type, event.shipment_id)
    assert failed["reason"] == "no channel owns write-backs of kind 'woo_shipment'"
    async with connectors_engine.connect() as conn:
        status = await conn.scalar(
            sa.select(t.write_back.c.status).where(t.write_back.c.id == row.id)
        )
    assert status == "dead"
