"""A recall reaching inventory: recalled lots are blocked for good — never reserved, held,
consumed or shipped — and the open orders holding them are named, once."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from services.inventory import service
from services.inventory import tables as t
from services.inventory.production import holding_and_completion as production
from services.inventory.reservations import channel_changes, shipping
from services.inventory.reservations.domain import StockFigures, stock_figures
from services.inventory.stock import lot_repository, recalls
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import MaterialLot
from shared.contracts.orders import OrderItemsReturned, OrderLineRef, OrderReceived, ReturnedLot
from shared.contracts.production import ProductionCompleted
from shared.contracts.trace import RecallIssued
from shared.units import Quantity
from tests.integration.test_inventory_production import item, lot_row, receive, request, staged
from tests.integration.test_inventory_shipping import dispatched, reserved_order

pytestmark = pytest.mark.integration


def recall_of(*lot_codes: str) -> RecallIssued:
    return RecallIssued(
        recall_id=uuid.uuid4(), reason="listeria", origin="test", lot_codes=lot_codes
    )


async def recall(engine, *lot_codes: str) -> RecallIssued:
    event = recall_of(*lot_codes)
    envelope = Envelope.wrap(event)
    await apply_once(engine, recalls.block_recalled_lots, envelope, event)
    await apply_once(
        engine, recalls.block_recalled_lots, envelope, event
    )  # redelivered: no second effect
    return event


async def test_a_recall_blocks_the_lots_and_names_the_open_reservations_on_them(
    inventory_engine,
):
    order_id, _, (first, second) = await reserved_order(inventory_engine)  # 3 + 2 reserved

    event = await recall(inventory_engine, second, "NOT-OURS-1")

    [applied] = await staged(inventory_engine, event.recall_id, "inventory.recall_applied")
    assert applied["blocked_lots"] == [second]
    assert applied["unknown_lots"] == ["NOT-OURS-1"]
    assert applied["reservations"] == [
        {
            "order_id": str(order_id),
            "line_no": 1,
            "lot_code": second,
            "quantity": {"value": "2", "unit": "pc"},
        }
    ]
    assert (await lot_row(inventory_engine, second)).blocked_reason == "listeria"
    assert (await lot_row(inventory_engine, first)).blocked_reason is None


async def test_a_blocked_lot_is_never_reserved_for_a_new_order(inventory_engine):
    _, sku, (_, second) = await reserved_order(inventory_engine, qty="3")  # all of the first
    await recall(inventory_engine, second)
    order = OrderReceived(
        order_id=uuid.uuid4(),
        channel="shopify",
        external_id=uuid.uuid4().hex,
        lines=(OrderLineRef(line_no=1, item_code=sku, quantity=Quantity.of(2, "pc")),),
    )

    await apply_once(inventory_engine, service.reserve_for_order, Envelope.wrap(order), order)

    [short] = await staged(inventory_engine, order.order_id, "inventory.stock_short")
    assert short["reservations"] == []
    assert (await lot_row(inventory_engine, second)).reserved == Decimal(0)


async def test_a_blocked_lot_is_never_held_nor_consumed_by_production(inventory_engine):
    flour = await item(inventory_engine, "FLOUR", "kg")
    bread = await item(inventory_engine, "BREAD", "pc", kind="finished_good")
    lot = await receive(inventory_engine, flour, "5", "kg")
    await recall(inventory_engine, lot)
    po = uuid.uuid4()
    wanted = request(po, bread, (flour, "1", "kg"))

    await apply_once(
        inventory_engine, production.hold_for_production, Envelope.wrap(wanted), wanted
    )
    done = ProductionCompleted(
        production_order_id=po,
        item_code=bread,
        output=Quantity.of(10, "pc"),
        output_lot_code=f"{bread}-P1",
        produced_on=date(2026, 11, 24),
        consumed=(MaterialLot(item_code=flour, lot_code=lot, quantity=Quantity.of(1, "kg")),),
        demands=(),
    )
    await apply_once(inventory_engine, production.apply_completion, Envelope.wrap(done), done)

    [short] = await staged(inventory_engine, po, "inventory.materials_short")
    assert short["shortages"][0]["available"] == {"value": "0", "unit": "kg"}
    [rejected] = await staged(inventory_engine, po, "inventory.production_rejected")
    assert rejected["reason"] == f"lot {lot} is blocked by a recall"
    assert (await lot_row(inventory_engine, lot)).on_hand == Decimal(5)


async def test_shipping_a_blocked_lot_is_refused_whole_and_deducts_nothing(inventory_engine):
    order_id, sku, (first, second) = await reserved_order(inventory_engine)
    await recall(inventory_engine, second)
    event = dispatched(order_id, sku, (first, "3"), (second, "2"))

    with pytest.raises(shipping.RecalledShipment, match=f"lot {second} is blocked by a recall"):
        await apply_once(inventory_engine, shipping.dispatch, Envelope.wrap(event), event)

    a, b = await lot_row(inventory_engine, first), await lot_row(inventory_engine, second)
    assert (a.on_hand, a.reserved, b.on_hand, b.reserved) == (
        Decimal(3),
        Decimal(3),
        Decimal(10),
        Decimal(2),
    )


async def figures_of(engine, sku: str) -> StockFigures:
    async with engine.connect() as conn:
        return stock_figures((await lot_repository.lot_figures(conn, [sku]))[sku])


async def test_a_recall_takes_the_lot_out_of_available_stock_and_announces_it_blocked(
    inventory_engine,
):
    _, sku, (first, second) = await reserved_order(inventory_engine)  # 3 + 2 of 3 and 10
    before = await figures_of(inventory_engine, sku)

    await recall(inventory_engine, second)

    after = await figures_of(inventory_engine, sku)
    assert (before.available, before.blocked) == (Decimal(8), Decimal(0))
    assert (after.on_hand, after.reserved) == (Decimal(13), Decimal(5))
    assert (after.available, after.blocked) == (Decimal(0), Decimal(8))
    snapshots = await staged_by_lot(inventory_engine, second)
    assert [s["status"] for s in snapshots] == ["available", "available", "blocked"]
    assert snapshots[-1]["on_hand"] == {"value": "10", "unit": "pc"}
    assert [s["status"] for s in await staged_by_lot(inventory_engine, first)][-1] == "available"


async def test_goods_returned_to_quarantine_are_on_hand_but_not_available(inventory_engine):
    sku, first = await two_returned_to_quarantine(inventory_engine)

    figures = await figures_of(inventory_engine, sku)
    assert (figures.on_hand, figures.available, figures.blocked) == (
        Decimal(10),
        Decimal(8),
        Decimal(2),
    )
    [snapshot] = await staged_by_lot(inventory_engine, f"{first}-Q")
    assert snapshot["status"] == "quarantined"
    assert snapshot["on_hand"] == {"value": "2", "unit": "pc"}


async def two_returned_to_quarantine(engine) -> tuple[str, str]:
    """An order shipped 3 + 2 from two lots; 2 of the first lot come back into quarantine
    (``<first>-Q``): the item and the first lot's code."""
    order_id, sku, (first, second) = await reserved_order(engine)
    sent = dispatched(order_id, sku, (first, "3"), (second, "2"))
    await apply_once(engine, shipping.dispatch, Envelope.wrap(sent), sent)
    returned = OrderItemsReturned(
        order_id=order_id,
        return_id=uuid.uuid4().hex,
        destination="quarantine",
        lots=(
            ReturnedLot(line_no=1, item_code=sku, lot_code=first, quantity=Quantity.of(2, "pc")),
        ),
    )
    await apply_once(engine, channel_changes.restock_returned, Envelope.wrap(returned), returned)
    return sku, first


async def staged_by_lot(engine, lot_code: str) -> list[dict[str, Any]]:
    """The lot's LotChanged snapshots in the outbox, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope)
            .where(t.OUTBOX.c.key == lot_code, t.OUTBOX.c.event_type == "inventory.lot_changed")
            .order_by(t.OUTBOX.c.id)
        )
        return [r.envelope["payload"] for r in rows]


async def test_production_holding_a_recalled_lot_is_held_again_from_another_lot(
    inventory_engine,
):
    flour = await item(inventory_engine, "FLOUR", "kg")
    bread = await item(inventory_engine, "BREAD", "pc", kind="finished_good")
    recalled = await receive(inventory_engine, flour, "5", "kg", expires="2027-01-10")
    spare = await receive(inventory_engine, flour, "5", "kg", expires="2027-03-31")
    po = uuid.uuid4()
    wanted = request(po, bread, (flour, "2", "kg"))
    await apply_once(
        inventory_engine, production.hold_for_production, Envelope.wrap(wanted), wanted
    )
    assert (await lot_row(inventory_engine, recalled)).reserved == Decimal(2)  # FEFO

    await recall(inventory_engine, recalled)

    first, again = await staged(inventory_engine, po, "inventory.materials_reserved")
    assert [r["lot_code"] for r in first["reservations"]] == [recalled]
    assert [(r["lot_code"], r["quantity"]["value"]) for r in again["reservations"]] == [
        (spare, "2")
    ]
    assert (await lot_row(inventory_engine, recalled)).reserved == Decimal(0)
    assert (await lot_row(inventory_engine, spare)).reserved == Decimal(2)


async def test_production_holding_a_recalled_lot_with_no_other_stock_is_told_it_is_short(
    inventory_engine,
):
    flour = await item(inventory_engine, "FLOUR", "kg", lead_time=4)
    bread = await item(inventory_engine, "BREAD", "pc", kind="finished_good")
    recalled = await receive(inventory_engine, flour, "5", "kg")
    po = uuid.uuid4()
    wanted = request(po, bread, (flour, "2", "kg"))
    await apply_once(
        inventory_engine, production.hold_for_production, Envelope.wrap(wanted), wanted
    )

    await recall(inventory_engine, recalled)

    [short] = await staged(inventory_engine, po, "inventory.materials_short")
    assert (short["shortages"][0]["item_code"], short["shortages"][0]["missing"]["value"]) == (
        flour,
        "2",
    )
    assert (await lot_row(inventory_engine, recalled)).reserved == Decimal(0)


async def test_a_recall_reaches_the_quarantine_lot_of_goods_returned_from_the_lot(
    inventory_engine,
):
    _, first = await two_returned_to_quarantine(inventory_engine)

    event = await recall(inventory_engine, first)

    [applied] = await staged(inventory_engine, event.recall_id, "inventory.recall_applied")
    assert applied["blocked_lots"] == [first, f"{first}-Q"]
    assert applied["unknown_lots"] == []
    assert (await lot_row(inventory_engine, f"{first}-Q")).blocked_reason == "listeria"
    assert (await staged_by_lot(inventory_engine, f"{first}-Q"))[-1]["status"] == "blocked"


async def test_a_quarantined_lot_is_never_consumed_by_production(inventory_engine):
    sku, first = await two_returned_to_quarantine(inventory_engine)
    box = await item(inventory_engine, "GIFTBOX", "pc", kind="finished_good")
    po = uuid.uuid4()
    done = ProductionCompleted(
        production_order_id=po,
        item_code=box,
        output=Quantity.of(1, "pc"),
        output_lot_code=f"{box}-P1",
        produced_on=date(2026, 11, 24),
        consumed=(
            MaterialLot(item_code=sku, lot_code=f"{first}-Q", quantity=Quantity.of(1, "pc")),
        ),
        demands=(),
    )

    await apply_once(inventory_engine, production.apply_completion, Envelope.wrap(done), done)

    [rejected] = await staged(inventory_engine, po, "inventory.production_rejected")
    assert rejected["reason"] == f"lot {first}-Q is in quarantine (returned goods)"
    assert (await lot_row(inventory_engine, f"{first}-Q")).on_hand == Decimal(2)
