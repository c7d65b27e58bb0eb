"""A recall reaching inventory: recalled lots are blocked for good — never reserved, held,
consumed or shipped — and the open orders holding them are named, once."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.inventory import production, recalls, service, shipping
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import MaterialLot
from shared.contracts.orders import OrderLineRef, OrderReceived
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
    await recalls.block_recalled_lots(engine, envelope, event)
    await recalls.block_recalled_lots(engine, envelope, event)  # redelivered: no second effect
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

    await service.reserve_for_order(inventory_engine, Envelope.wrap(order), order)

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

    await production.hold_for_production(inventory_engine, Envelope.wrap(wanted), wanted)
    done = ProductionCompleted(
        production_order_id=po,
        item_code=bread,
        output=Quantity.of(10, "pc"),
        output_lot_code=f"{bread}-P1",
        produced_on=date(2026, 11, 24),
        consumed=(MaterialLot(item_code=flour, lot_code=lot, quantity=Quantity.of(1, "kg")),),
        demands=(),
    )
    await production.apply_completion(inventory_engine, Envelope.wrap(done), done)

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
        await shipping.dispatch(inventory_engine, Envelope.wrap(event), event)

    a, b = await lot_row(inventory_engine, first), await lot_row(inventory_engine, second)
    assert (a.on_hand, a.reserved, b.on_hand, b.reserved) == (
        Decimal(3),
        Decimal(3),
        Decimal(10),
        Decimal(2),
    )
