"""Purchase orders and make-to-stock against the real PostgreSQL: receipts against a purchase
order (partial, refused when closed or for another item, changing nothing then), and one open
replenishment suggestion per item however many stock changes race under the reorder point."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import Conflict, InventoryError, NotFound
from services.inventory.production import holding_and_completion as production
from services.inventory.replenishment import make_to_stock, purchase_orders
from services.inventory.stock import receipts
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.units import Quantity
from tests.integration.test_inventory_production import item, receive, request, staged


def placed(item_code: str, qty: str, unit: str = "kg") -> purchase_orders.NewPurchaseOrder:
    return purchase_orders.NewPurchaseOrder(
        item_code=item_code,
        quantity=Quantity.of(qty, unit),
        supplier=None,
        expected_on=None,
        ordered_on=date(2027, 3, 5),  # a Friday
    )


def against(
    item_code: str, purchase_order_id: uuid.UUID, qty: str, unit: str = "kg"
) -> receipts.GoodsReceipt:
    return receipts.GoodsReceipt(
        item_code=item_code,
        quantity=Quantity.of(qty, unit),
        supplier="Mulino Rossi",
        supplier_lot_code=uuid.uuid4().hex[:8],
        received_on=date(2027, 3, 8),
        purchase_order_id=purchase_order_id,
    )


async def lots_of(engine: AsyncEngine, item_code: str) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count()).select_from(t.lot).where(t.lot.c.item_code == item_code)
        )
    return int(count or 0)


async def test_partial_receipts_count_against_the_purchase_order_until_it_is_received(
    inventory_engine,
):
    flour = await item(inventory_engine, "FLOUR", "kg", lead_time=3)
    po = await purchase_orders.place(inventory_engine, placed(flour, "100"))
    # Defaults: the item's supplier, three weekdays after Friday.
    assert (po["supplier"], po["expected_on"], po["status"]) == (
        "Mulino Rossi",
        date(2027, 3, 10),
        "open",
    )

    await receipts.receive_goods(inventory_engine, against(flour, po["id"], "40000", "g"))
    partly = await purchase_orders.get_record(inventory_engine, po["id"])
    assert (partly["received"], partly["remaining"], partly["status"]) == (40, 60, "open")
    await receipts.receive_goods(inventory_engine, against(flour, po["id"], "60"))
    done = await purchase_orders.get_record(inventory_engine, po["id"])
    assert (done["received"], done["remaining"], done["status"]) == (100, 0, "received")

    events = await staged(inventory_engine, po["id"], "inventory.purchase_order_changed")
    assert [(e["status"], e["remaining"]["value"], e["revision"]) for e in events] == [
        ("open", "100", 1),
        ("open", "60", 2),
        ("received", "0", 3),
    ]


async def test_receipts_against_a_closed_or_foreign_purchase_order_are_refused_whole(
    inventory_engine,
):
    flour = await item(inventory_engine, "FLOUR", "kg", lead_time=3)
    sugar = await item(inventory_engine, "SUGAR", "kg", lead_time=3)
    po = await purchase_orders.place(inventory_engine, placed(flour, "10"))

    with pytest.raises(InventoryError, match=f"is for {flour}, not {sugar}"):
        await receipts.receive_goods(inventory_engine, against(sugar, po["id"], "10"))
    await purchase_orders.cancel(inventory_engine, po["id"], "supplier out of stock")
    with pytest.raises(Conflict, match="cancelled"):
        await receipts.receive_goods(inventory_engine, against(flour, po["id"], "10"))
    with pytest.raises(Conflict, match="cancelled"):
        await purchase_orders.cancel(inventory_engine, po["id"], None)
    with pytest.raises(NotFound):
        await receipts.receive_goods(inventory_engine, against(flour, uuid.uuid4(), "10"))

    assert await lots_of(inventory_engine, flour) == 0  # no lot from any refused receipt
    assert await lots_of(inventory_engine, sugar) == 0


async def test_racing_holds_under_the_reorder_point_raise_exactly_one_suggestion(
    inventory_engine,
):
    jar = await item(inventory_engine, "JAR", "pc", lead_time=15, kind="packaging")
    await receive(inventory_engine, jar, "100", "pc")
    await make_to_stock.set_reorder_point(
        inventory_engine,
        jar,
        reorder_point=Decimal(70),
        target=Decimal(150),
        unit="pc",
        pack_size=Decimal(50),
    )
    events = [request(uuid.uuid4(), "BISCUIT", (jar, "10", "pc")) for _ in range(6)]

    await asyncio.gather(
        *(
            apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(e), e)
            for e in events
        )
    )

    found = [
        s
        for s in await make_to_stock.list_suggestions(inventory_engine, status=None)
        if s["item_code"] == jar
    ]
    assert [(s["kind"], s["status"]) for s in found] == [("purchase", "open")]
    assert found[0]["quantity"] % 50 == 0  # whole packs

    dismissed = await make_to_stock.dismiss(inventory_engine, found[0]["id"], "enough for now")
    assert dismissed["status"] == "dismissed"
    # Dismissed, the next change under the reorder point raises a new one.
    more = request(uuid.uuid4(), "BISCUIT", (jar, "1", "pc"))
    await apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(more), more)
    open_now = await make_to_stock.list_suggestions(
        inventory_engine, status=make_to_stock.Status.OPEN
    )
    assert len([s for s in open_now if s["item_code"] == jar]) == 1


async def test_a_rule_that_cannot_work_is_refused_and_stores_nothing(inventory_engine):
    jar = await item(inventory_engine, "JAR", "pc", kind="packaging")
    with pytest.raises(InventoryError, match="above the reorder point"):
        await make_to_stock.set_reorder_point(
            inventory_engine,
            jar,
            reorder_point=Decimal(10),
            target=Decimal(5),
            unit="pc",
            pack_size=None,
        )
    with pytest.raises(InventoryError, match=jar):
        await make_to_stock.set_reorder_point(
            inventory_engine,
            jar,
            reorder_point=Decimal(1),
            target=Decimal(5),
            unit="kg",
            pack_size=None,
        )
    async with inventory_engine.connect() as conn:
        assert await make_to_stock.reorder_point_records(conn, item_code=jar) == []


async def test_an_accepted_suggestion_counts_as_coming_so_the_next_hold_raises_none(
    inventory_engine,
):
    jar = await item(inventory_engine, "JAR", "pc", lead_time=15, kind="packaging")
    await receive(inventory_engine, jar, "100", "pc")
    await make_to_stock.set_reorder_point(
        inventory_engine,
        jar,
        reorder_point=Decimal(70),
        target=Decimal(150),
        unit="pc",
        pack_size=None,
    )
    first = request(uuid.uuid4(), "BISCUIT", (jar, "40", "pc"))
    await apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(first), first)
    [raised] = [
        s
        for s in await make_to_stock.list_suggestions(inventory_engine, status=None)
        if s["item_code"] == jar
    ]
    await make_to_stock.accept(inventory_engine, raised["id"])  # places 90 pc on order

    more = request(uuid.uuid4(), "BISCUIT", (jar, "5", "pc"))
    await apply_once(inventory_engine, production.hold_for_production, Envelope.wrap(more), more)

    found = [
        (s["status"], s["quantity"])
        for s in await make_to_stock.list_suggestions(inventory_engine, status=None)
        if s["item_code"] == jar
    ]
    assert found == [("accepted", Decimal(90))]  # 55 free + 90 coming is over 70: no second
