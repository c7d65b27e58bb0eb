"""Inventory against the real PostgreSQL: once-only, never oversold, ledger balanced."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from services.inventory import tables as t
from services.inventory.errors import InventoryError
from services.inventory.stock import lot_repository
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderLineRef, OrderReceived
from shared.units import Quantity


def random_sku(prefix: str = "SOAP") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


async def stocked(engine: AsyncEngine, *lots: tuple[str, str]) -> str:
    """A fresh item with lots of the given (quantity, expiry) — unique per test."""
    sku = random_sku()
    await service.create_item(engine, service.NewItem(sku, "Test soap", "finished_good", "pc"))
    for i, (qty, expires) in enumerate(lots):
        await service.receive_lot(
            engine,
            service.NewLot(
                sku, f"{sku}-L{i}", Decimal(qty), "pc", expires_on=date.fromisoformat(expires)
            ),
        )
    return sku


def order_for(sku: str, qty: str) -> tuple[Envelope, OrderReceived]:
    event = OrderReceived(
        order_id=uuid.uuid4(),
        channel="test",
        external_id=uuid.uuid4().hex,
        lines=(OrderLineRef(line_no=1, item_code=sku, quantity=Quantity.of(qty, "pc")),),
    )
    return Envelope.wrap(event), event


async def reserved_total(engine: AsyncEngine, sku: str) -> tuple[Decimal, Decimal]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(sa.func.sum(t.lot.c.reserved), sa.func.sum(t.lot.c.on_hand)).where(
                    t.lot.c.item_code == sku
                )
            )
        ).one()
    return row[0], row[1]


async def test_a_redelivered_order_reserves_once(inventory_engine):
    sku = await stocked(inventory_engine, ("10", "2027-05-01"))
    envelope, event = order_for(sku, "3")

    for _ in range(3):
        await apply_once(inventory_engine, service.reserve_for_order, envelope, event)

    assert await reserved_total(inventory_engine, sku) == (Decimal(3), Decimal(10))


async def test_the_same_order_in_a_new_envelope_still_reserves_once(inventory_engine):
    sku = await stocked(inventory_engine, ("10", "2027-05-01"))
    envelope, event = order_for(sku, "4")

    await apply_once(inventory_engine, service.reserve_for_order, envelope, event)
    await apply_once(inventory_engine, service.reserve_for_order, Envelope.wrap(event), event)

    assert (await reserved_total(inventory_engine, sku))[0] == Decimal(4)


async def test_concurrent_orders_never_oversell(inventory_engine):
    sku = await stocked(inventory_engine, ("6", "2027-05-01"), ("4", "2027-04-01"))
    orders = [order_for(sku, "3") for _ in range(8)]

    await asyncio.gather(
        *(apply_once(inventory_engine, service.reserve_for_order, e, o) for e, o in orders)
    )

    reserved, on_hand = await reserved_total(inventory_engine, sku)
    assert reserved == on_hand == Decimal(10)  # three orders of 3, the fourth gets the last unit
    async with inventory_engine.connect() as conn:
        outcomes = (
            (
                await conn.execute(
                    sa.select(t.order_request.c.outcome).where(
                        t.order_request.c.order_id.in_([o.order_id for _, o in orders])
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(outcomes).count("inventory.stock_reserved") == 3
    assert len(outcomes) == 8


async def test_reservation_and_its_event_commit_together(inventory_engine):
    sku = await stocked(inventory_engine, ("2", "2027-05-01"))
    envelope, event = order_for(sku, "5")

    await apply_once(inventory_engine, service.reserve_for_order, envelope, event)

    async with inventory_engine.connect() as conn:
        staged = (
            await conn.execute(
                sa.select(t.OUTBOX.c.event_type, t.OUTBOX.c.envelope).where(
                    t.OUTBOX.c.key == str(event.order_id)
                )
            )
        ).all()
    assert [s.event_type for s in staged] == ["inventory.stock_short"]
    payload = staged[0].envelope["payload"]
    assert payload["shortages"][0]["missing"] == {"value": "3", "unit": "pc"}
    assert staged[0].envelope["causation_id"] == str(envelope.event_id)


async def test_the_database_refuses_a_reservation_beyond_on_hand(inventory_engine):
    sku = await stocked(inventory_engine, ("2", "2027-05-01"))

    async with inventory_engine.connect() as conn:
        try:
            await conn.execute(
                t.lot.update().where(t.lot.c.item_code == sku).values(reserved=Decimal(3))
            )
            raised = False
        except sa.exc.IntegrityError:
            raised = True
        await conn.rollback()

    assert raised


async def test_the_ledger_balances_after_receipts_and_reservations(inventory_engine):
    sku = await stocked(inventory_engine, ("7", "2027-05-01"), ("2", "2027-01-01"))
    envelope, event = order_for(sku, "2")
    await apply_once(inventory_engine, service.reserve_for_order, envelope, event)

    async with inventory_engine.connect() as conn:
        mismatches = await lot_repository.ledger_mismatches(conn)

    assert list(mismatches) == []


async def test_pieces_cannot_be_received_in_fractions(inventory_engine):
    sku = await stocked(inventory_engine)

    try:
        await service.receive_lot(
            inventory_engine, service.NewLot(sku, f"{sku}-HALF", Decimal("2.5"), "pc")
        )
        refused = ""
    except InventoryError as error:
        refused = str(error)

    assert refused == "pc are counted in whole pieces, got 2.5"


async def test_an_expired_lot_is_never_reserved(inventory_engine):
    sku = await stocked(inventory_engine, ("5", "2020-01-31"), ("2", "2099-01-31"))
    envelope, event = order_for(sku, "4")

    await apply_once(inventory_engine, service.reserve_for_order, envelope, event)

    async with inventory_engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(t.lot.c.lot_code, t.lot.c.reserved)
                .where(t.lot.c.item_code == sku)
                .order_by(t.lot.c.lot_code)
            )
        ).all()
    assert [(r.lot_code, r.reserved) for r in rows] == [(f"{sku}-L0", 0), (f"{sku}-L1", 2)]
