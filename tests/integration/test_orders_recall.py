"""A recall applied by inventory puts the open orders holding recalled stock on hold,
once, with the reason; orders that can no longer be held are left as they are."""

from __future__ import annotations

import uuid

import pytest

from services.orders import repository, service
from services.orders.holds import recalls, releases
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import (
    RecallApplied,
    RecalledReservation,
    ReservedLot,
    StockReserved,
)
from shared.units import Quantity
from tests.integration.test_orders_intake import inbound


async def ready_order(engine, lot_code: str) -> uuid.UUID:
    event = inbound(str(uuid.uuid4().int >> 65))
    await apply_once(engine, service.receive_inbound_order, Envelope.wrap(event), event)
    order_id = service.order_id_for("shopify", event.external_id)
    reserved = StockReserved(
        order_id=order_id,
        reservations=(
            ReservedLot(
                line_no=1, item_code="SOAP", lot_code=lot_code, quantity=Quantity.of(2, "pc")
            ),
        ),
    )
    await apply_once(engine, service.apply_stock_outcome, Envelope.wrap(reserved), reserved)
    return order_id


async def test_a_recall_holds_the_open_order_with_the_reason_once(orders_engine):
    order_id = await ready_order(orders_engine, "SOAP-L1")
    applied = RecallApplied(
        recall_id=uuid.uuid4(),
        reason="listeria",
        blocked_lots=("SOAP-L1",),
        reservations=(
            RecalledReservation(
                order_id=order_id, line_no=1, lot_code="SOAP-L1", quantity=Quantity.of(2, "pc")
            ),
            RecalledReservation(
                order_id=uuid.uuid4(), line_no=1, lot_code="SOAP-L1", quantity=Quantity.of(1, "pc")
            ),  # an order orders does not know: skipped, nothing fails
        ),
    )
    envelope = Envelope.wrap(applied)

    await apply_once(orders_engine, recalls.hold_orders_on_recalled_lots, envelope, applied)
    await apply_once(orders_engine, recalls.hold_orders_on_recalled_lots, envelope, applied)

    async with orders_engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
    assert order is not None
    assert (order["status"], order["hold_reason"]) == (
        "on_hold",
        "recall: listeria (lots SOAP-L1)",
    )
    assert [h["status"] for h in order["history"]] == ["received", "ready_to_ship", "on_hold"]


async def test_an_operator_cannot_release_a_recall_hold(orders_engine):
    order_id = await ready_order(orders_engine, "SOAP-L2")
    applied = RecallApplied(
        recall_id=uuid.uuid4(),
        reason="foreign body",
        blocked_lots=("SOAP-L2",),
        reservations=(
            RecalledReservation(
                order_id=order_id, line_no=1, lot_code="SOAP-L2", quantity=Quantity.of(2, "pc")
            ),
        ),
    )
    await apply_once(
        orders_engine, recalls.hold_orders_on_recalled_lots, Envelope.wrap(applied), applied
    )

    with pytest.raises(releases.OrderNotHeld, match="held by a recall"):
        await releases.release_order(orders_engine, order_id, items={}, reason=None)

    async with orders_engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
    assert order is not None
    assert order["status"] == "on_hold"
