"""Stock leaves on dispatch: deducted from the reserved lots once, never beyond them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from services.inventory import service
from services.inventory import tables as t
from services.inventory.reservations import shipping
from services.inventory.stock import lot_repository
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderLineRef, OrderReceived, ShipmentDispatched, ShippedLot
from shared.units import Quantity


async def reserved_order(engine, qty: str = "5") -> tuple[uuid.UUID, str, list[str]]:
    sku = f"SOAP-{uuid.uuid4().hex[:6].upper()}"
    await service.create_item(engine, service.NewItem(sku, "Soap", "finished_good", "pc"))
    lots = []
    for i, (amount, expires) in enumerate([("3", "2027-01-31"), ("10", "2027-05-31")]):
        lots.append(f"{sku}-{i}")
        await service.receive_lot(
            engine,
            service.NewLot(
                sku, lots[-1], Decimal(amount), "pc", expires_on=date.fromisoformat(expires)
            ),
        )
    order = OrderReceived(
        order_id=uuid.uuid4(),
        channel="shopify",
        external_id=uuid.uuid4().hex,
        lines=(OrderLineRef(line_no=1, item_code=sku, quantity=Quantity.of(qty, "pc")),),
    )
    await apply_once(engine, service.reserve_for_order, Envelope.wrap(order), order)
    return order.order_id, sku, lots


def dispatched(order_id: uuid.UUID, sku: str, *lots: tuple[str, str]) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=order_id,
        shipment_id=uuid.uuid4(),
        channel="shopify",
        shop="s",
        external_id="1",
        carrier="manual",
        completes_order=False,
        lots=tuple(
            ShippedLot(line_no=1, item_code=sku, lot_code=code, quantity=Quantity.of(q, "pc"))
            for code, q in lots
        ),
    )


async def lot(engine, code: str):
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.lot).where(t.lot.c.lot_code == code))).one()


async def test_dispatch_deducts_the_shipped_lots_once_with_a_movement_naming_the_shipment(
    inventory_engine,
):
    order_id, sku, (first, second) = await reserved_order(inventory_engine)
    event = dispatched(order_id, sku, (first, "3"), (second, "1"))
    envelope = Envelope.wrap(event)

    await apply_once(inventory_engine, shipping.dispatch, envelope, event)
    await apply_once(inventory_engine, shipping.dispatch, Envelope.wrap(event), event)

    a, b = await lot(inventory_engine, first), await lot(inventory_engine, second)
    assert (a.on_hand, a.reserved) == (Decimal(0), Decimal(0))
    assert (b.on_hand, b.reserved) == (Decimal(9), Decimal(1))
    async with inventory_engine.connect() as conn:
        moves = (
            await conn.execute(
                sa.select(t.movement.c.reference, t.movement.c.quantity).where(
                    t.movement.c.kind == "shipment", t.movement.c.lot_id.in_([a.id, b.id])
                )
            )
        ).all()
        assert list(await lot_repository.ledger_mismatches(conn)) == []
    assert sorted(m.quantity for m in moves) == [Decimal(-3), Decimal(-1)]
    assert {m.reference for m in moves} == {f"shipment:{event.shipment_id}"}


async def test_a_shipment_beyond_the_reservation_is_refused_and_changes_nothing(inventory_engine):
    order_id, sku, (first, second) = await reserved_order(inventory_engine)
    event = dispatched(order_id, sku, (first, "3"), (second, "3"))  # only 2 reserved on second

    with pytest.raises(shipping.OverShipment, match="more than is reserved"):
        await apply_once(inventory_engine, shipping.dispatch, Envelope.wrap(event), event)

    a, b = await lot(inventory_engine, first), await lot(inventory_engine, second)
    assert (a.on_hand, a.reserved, b.on_hand, b.reserved) == (
        Decimal(3),
        Decimal(3),
        Decimal(10),
        Decimal(2),
    )
