"""Inventory's side of production against the real PostgreSQL: all-or-nothing material
holds, receipts that unblock waiting batches, completions that consume exactly what was
recorded, and refusals that change nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from services.inventory import tables as t
from services.inventory.errors import InventoryError
from services.inventory.production import holding_and_completion as production
from services.inventory.reservations import shelf_life
from services.inventory.reservations.shelf_life_rules import Scope, ShelfLifeRule
from services.inventory.stock import lot_repository, receipts
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import MaterialLot, MaterialNeed
from shared.contracts.orders import OrderLineRef, OrderReceived
from shared.contracts.production import Demand, MaterialsRequested, ProductionCompleted
from shared.units import Quantity


def code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


async def item(
    engine: AsyncEngine,
    prefix: str,
    unit: str,
    *,
    lead_time: int | None = None,
    kind: str = "raw_material",
    shelf_life: int | None = None,
) -> str:
    name = code(prefix)
    await service.create_item(
        engine,
        service.NewItem(
            name,
            name.title(),
            kind,
            unit,
            shelf_life_days=shelf_life,
            supplier="Mulino Rossi",
            lead_time_days=lead_time,
        ),
    )
    return name


async def receive(
    engine: AsyncEngine, item_code: str, qty: str, unit: str, expires: str = "2027-01-31"
) -> str:
    lot = await receipts.receive_goods(
        engine,
        receipts.GoodsReceipt(
            item_code=item_code,
            quantity=Quantity.of(qty, unit),
            supplier="Mulino Rossi",
            supplier_lot_code=uuid.uuid4().hex[:8],
            received_on=date(2026, 11, 20),
            expires_on=date.fromisoformat(expires),
        ),
    )
    return lot.lot_code


async def lot_row(engine: AsyncEngine, lot_code: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.lot).where(t.lot.c.lot_code == lot_code))).one()


async def staged(engine: AsyncEngine, key: uuid.UUID, event_type: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope)
            .where(t.OUTBOX.c.key == str(key), t.OUTBOX.c.event_type == event_type)
            .order_by(t.OUTBOX.c.id)
        )
        return [r.envelope["payload"] for r in rows]


def request(po: uuid.UUID, product: str, *needs: tuple[str, str, str]) -> MaterialsRequested:
    return MaterialsRequested(
        production_order_id=po,
        item_code=product,
        materials=tuple(MaterialNeed(item_code=i, quantity=Quantity.of(q, u)) for i, q, u in needs),
    )


async def test_a_short_material_holds_nothing_until_a_receipt_unblocks_it(inventory_engine):
    flour = await item(inventory_engine, "FLOUR", "kg")
    sugar = await item(inventory_engine, "SUGAR", "g", lead_time=10)
    flour_lot = await receive(inventory_engine, flour, "5", "kg")
    po = uuid.uuid4()

    event = request(po, "BISCUIT", (flour, "3", "kg"), (sugar, "1.2", "kg"))
    await apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(event), event)

    [short] = await staged(inventory_engine, po, "inventory.materials_short")
    assert short["shortages"] == [
        {
            "item_code": sugar,
            "needed": {"value": "1200", "unit": "g"},
            "available": {"value": "0", "unit": "g"},
            "missing": {"value": "1200", "unit": "g"},
            "supplier": "Mulino Rossi",
            "lead_time_days": 10,
        }
    ]
    assert (await lot_row(inventory_engine, flour_lot)).reserved == 0

    sugar_lot = await receive(inventory_engine, sugar, "2", "kg")

    [reserved] = await staged(inventory_engine, po, "inventory.materials_reserved")
    assert sorted((r["lot_code"], r["quantity"]["value"]) for r in reserved["reservations"]) == [
        (flour_lot, "3"),
        (sugar_lot, "1200"),
    ]
    assert (await lot_row(inventory_engine, sugar_lot)).on_hand == Decimal(2000)
    assert (await lot_row(inventory_engine, sugar_lot)).reserved == Decimal(1200)


async def test_a_repeated_request_replaces_the_earlier_hold(inventory_engine):
    flour = await item(inventory_engine, "FLOUR", "kg")
    lot = await receive(inventory_engine, flour, "10", "kg")
    po = uuid.uuid4()

    for qty in ("6", "4"):
        event = request(po, "BREAD", (flour, qty, "kg"))
        await apply_once(
            inventory_engine, production.hold_for_production, Envelope.wrap(event), event
        )

    assert (await lot_row(inventory_engine, lot)).reserved == Decimal(4)


async def test_batches_racing_for_the_same_raw_lots_never_hold_more_than_on_hand(inventory_engine):
    flour = await item(inventory_engine, "FLOUR", "kg")
    lots = [
        await receive(inventory_engine, flour, "7", "kg", f"2027-0{i + 1}-01") for i in range(3)
    ]
    events = [request(uuid.uuid4(), "BREAD", (flour, "4", "kg")) for _ in range(10)]

    await asyncio.gather(
        *(
            apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(e), e)
            for e in events
        )
    )

    rows = [await lot_row(inventory_engine, lot) for lot in lots]
    assert all(r.reserved <= r.on_hand for r in rows)
    assert sum(r.reserved for r in rows) == Decimal(20)  # five batches of 4 fit in 21 kg
    async with inventory_engine.connect() as conn:
        assert list(await lot_repository.ledger_mismatches(conn)) == []


async def order_short_of(engine: AsyncEngine, jar: str, wanted: str) -> uuid.UUID:
    order = OrderReceived(
        order_id=uuid.uuid4(),
        channel="shopify",
        external_id=uuid.uuid4().hex,
        lines=(OrderLineRef(line_no=1, item_code=jar, quantity=Quantity.of(wanted, "pc")),),
    )
    await apply_once(engine, service.reserve_for_order, Envelope.wrap(order), order)
    return order.order_id


async def test_completion_consumes_exactly_the_recorded_lots_and_allocates_the_output(
    inventory_engine,
):
    honey = await item(inventory_engine, "HONEY-BULK", "g")
    jar_glass = await item(inventory_engine, "JAR-GLASS", "pc", kind="packaging")
    jar = await item(inventory_engine, "HONEY-JAR", "pc", kind="finished_good", shelf_life=365)
    await service.receive_lot(inventory_engine, service.NewLot(jar, f"{jar}-OLD", Decimal(3), "pc"))
    honey_lot = await receive(inventory_engine, honey, "5", "kg")
    glass_lot = await receive(inventory_engine, jar_glass, "100", "pc")
    order_id = await order_short_of(inventory_engine, jar, "10")
    po = uuid.uuid4()
    hold = request(po, jar, (honey, "1750", "g"), (jar_glass, "7", "pc"))
    await apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(hold), hold)

    done = ProductionCompleted(
        production_order_id=po,
        item_code=jar,
        output=Quantity.of(8, "pc"),
        output_lot_code=f"{jar}-P1",
        produced_on=date(2026, 11, 24),
        expires_on=date(2027, 11, 24),
        consumed=(
            MaterialLot(item_code=honey, lot_code=honey_lot, quantity=Quantity.of("1.8", "kg")),
            MaterialLot(item_code=jar_glass, lot_code=glass_lot, quantity=Quantity.of(8, "pc")),
        ),
        demands=(Demand(order_id=order_id, line_no=1, quantity=Quantity.of(7, "pc")),),
    )
    envelope = Envelope.wrap(done)
    await apply_once(inventory_engine, production.apply_completion, envelope, done)
    await apply_once(inventory_engine, production.apply_completion, envelope, done)

    honey_row, glass_row = (
        await lot_row(inventory_engine, honey_lot),
        await lot_row(inventory_engine, glass_lot),
    )
    assert (honey_row.on_hand, honey_row.reserved) == (Decimal(3200), Decimal(0))
    assert (glass_row.on_hand, glass_row.reserved) == (Decimal(92), Decimal(0))
    output = await lot_row(inventory_engine, f"{jar}-P1")
    assert (output.on_hand, output.reserved, output.production_order_id) == (
        Decimal(8),
        Decimal(7),
        po,
    )
    [allocated] = await staged(inventory_engine, order_id, "inventory.stock_allocated")
    assert allocated["fully_reserved"] is True
    assert [(r["lot_code"], r["quantity"]["value"]) for r in allocated["reservations"]] == [
        (f"{jar}-P1", "7")
    ]
    async with inventory_engine.connect() as conn:
        assert list(await lot_repository.ledger_mismatches(conn)) == []
        kinds = (
            (
                await conn.execute(
                    sa.select(t.movement.c.kind).where(t.movement.c.lot_id == output.id)
                )
            )
            .scalars()
            .all()
        )
    assert kinds == ["production"]


async def test_a_completion_consuming_more_than_on_hand_is_rejected_and_changes_nothing(
    inventory_engine,
):
    flour = await item(inventory_engine, "FLOUR", "kg")
    bread = await item(inventory_engine, "BREAD", "pc", kind="finished_good")
    lot = await receive(inventory_engine, flour, "2", "kg")
    po = uuid.uuid4()
    done = ProductionCompleted(
        production_order_id=po,
        item_code=bread,
        output=Quantity.of(10, "pc"),
        output_lot_code=f"{bread}-P1",
        produced_on=date(2026, 11, 24),
        consumed=(MaterialLot(item_code=flour, lot_code=lot, quantity=Quantity.of(3, "kg")),),
        demands=(),
    )

    await apply_once(inventory_engine, production.apply_completion, Envelope.wrap(done), done)

    [rejected] = await staged(inventory_engine, po, "inventory.production_rejected")
    assert rejected["reason"] == f"lot {lot} has only 2 kg free to consume, not 3"
    assert (await lot_row(inventory_engine, lot)).on_hand == Decimal(2)
    async with inventory_engine.connect() as conn:
        assert (
            await conn.scalar(
                sa.select(sa.func.count()).select_from(t.lot).where(t.lot.c.item_code == bread)
            )
            == 0
        )


@pytest.mark.parametrize(
    ("qty", "unit", "complaint"),
    [("-1", "kg", "quantity must be positive"), ("2", "pc", "cannot convert")],
)
async def test_bad_receipts_are_refused_and_change_nothing(inventory_engine, qty, unit, complaint):
    flour = await item(inventory_engine, "FLOUR", "kg")

    with pytest.raises(InventoryError, match=complaint):
        await receive(inventory_engine, flour, qty, unit)

    async with inventory_engine.connect() as conn:
        assert (
            await conn.scalar(
                sa.select(sa.func.count()).select_from(t.lot).where(t.lot.c.item_code == flour)
            )
            == 0
        )


async def test_output_too_short_dated_for_an_orders_shelf_life_rule_is_not_allocated_to_it(
    inventory_engine,
):
    """The rule an order was reserved under holds at allocation too: the fresh lot expires
    in 20 days, the strict customer needs 30, so only the other order gets it."""
    email = f"buyer-{uuid.uuid4().hex[:8]}@retail.example"
    await shelf_life.set_rule(inventory_engine, ShelfLifeRule(Scope.CUSTOMER, email, min_days=30))
    glass = await item(inventory_engine, "JAR-GLASS", "pc", kind="packaging")
    jar = await item(inventory_engine, "HONEY-JAR", "pc", kind="finished_good", shelf_life=20)
    glass_lot = await receive(inventory_engine, glass, "10", "pc")
    strict = OrderReceived(
        order_id=uuid.uuid4(),
        channel="shopify",
        external_id=uuid.uuid4().hex,
        customer_email=email.upper(),
        lines=(OrderLineRef(line_no=1, item_code=jar, quantity=Quantity.of(2, "pc")),),
    )
    await apply_once(inventory_engine, service.reserve_for_order, Envelope.wrap(strict), strict)
    plain = await order_short_of(inventory_engine, jar, "2")
    async with inventory_engine.connect() as conn:
        kept = await shelf_life.rules_of_orders(conn, [strict.order_id, plain])
    assert kept == {strict.order_id: ShelfLifeRule(Scope.CUSTOMER, email, min_days=30)}

    po = uuid.uuid4()
    hold = request(po, jar, (glass, "4", "pc"))
    await apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(hold), hold)
    today = datetime.now(UTC).date()
    done = ProductionCompleted(
        production_order_id=po,
        item_code=jar,
        output=Quantity.of(4, "pc"),
        output_lot_code=f"{jar}-P1",
        produced_on=today,
        expires_on=today + timedelta(days=20),
        consumed=(MaterialLot(item_code=glass, lot_code=glass_lot, quantity=Quantity.of(4, "pc")),),
        demands=(
            Demand(order_id=strict.order_id, line_no=1, quantity=Quantity.of(2, "pc")),
            Demand(order_id=plain, line_no=1, quantity=Quantity.of(2, "pc")),
        ),
    )
    await apply_once(inventory_engine, production.apply_completion, Envelope.wrap(done), done)

    output = await lot_row(inventory_engine, f"{jar}-P1")
    assert (output.on_hand, output.reserved) == (Decimal(4), Decimal(2))
    assert await staged(inventory_engine, strict.order_id, "inventory.stock_allocated") == []
    [allocated] = await staged(inventory_engine, plain, "inventory.stock_allocated")
    assert allocated["fully_reserved"] is True
