"""The order's life: acceptance, holds and legal status moves."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.orders import domain
from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived
from shared.contracts.inventory import StockReserved, StockShort
from shared.contracts.orders import OrderReceived, OrderStatus, OrderStatusChanged
from shared.contracts.production import MissingMaterial, ProductionStatus
from shared.units import Quantity

S = OrderStatus


def inbound(*lines: tuple[str, str | None, str]) -> InboundOrderReceived:
    return InboundOrderReceived(
        channel="shopify",
        shop="demo.myshopify.com",
        external_id="5123456789012345678",
        lines=tuple(
            InboundOrderLine(
                external_line_id=str(i), sku=sku, item_code=item, quantity=Quantity.of(q, "pc")
            )
            for i, (sku, item, q) in enumerate(lines)
        ),
    )


def test_a_fully_mapped_order_is_received_and_asks_for_stock():
    order_id = uuid4()

    new = domain.accept(order_id, inbound(("SOAP-1", "SOAP", "2")))
    events = new.events(inbound(("SOAP-1", "SOAP", "2")))

    assert new.status is S.RECEIVED
    assert [e.TYPE for e in events] == [OrderStatusChanged.TYPE, OrderReceived.TYPE]
    received = events[1]
    assert isinstance(received, OrderReceived)
    assert received.lines[0].item_code == "SOAP"


@pytest.mark.parametrize("sku", ["UNKNOWN-SKU", ""])
def test_an_unknown_or_empty_sku_puts_the_order_on_hold_with_the_reason(sku):
    order = inbound(("SOAP-1", "SOAP", "2"), (sku, None, "1"))

    new = domain.accept(uuid4(), order)
    events = new.events(order)

    assert new.status is S.ON_HOLD
    assert new.hold_reason is not None and new.hold_reason.startswith("unknown_sku")
    assert not any(isinstance(e, OrderReceived) for e in events)
    assert events[-1].status is S.ON_HOLD  # type: ignore[union-attr]


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5"])
def test_a_zero_negative_or_fractional_piece_count_is_held_not_reserved(quantity):
    new = domain.accept(uuid4(), inbound(("SOAP-1", "SOAP", quantity)))

    assert new.status is S.ON_HOLD
    assert new.hold_reason is not None and new.hold_reason.startswith("invalid_quantity")


def test_reserved_stock_makes_the_order_ready_and_a_shortage_waits_for_production():
    order_id = uuid4()

    assert (
        domain.after_stock(S.RECEIVED, StockReserved(order_id=order_id, reservations=()))
        is S.READY_TO_SHIP
    )
    assert (
        domain.after_stock(S.RECEIVED, StockShort(order_id=order_id, reservations=(), shortages=()))
        is S.AWAITING_PRODUCTION
    )


def test_a_cancelled_order_cannot_become_ready_to_ship():
    with pytest.raises(domain.IllegalTransition):
        domain.transition(uuid4(), S.CANCELLED, S.READY_TO_SHIP)


def test_every_status_is_reachable_from_received():
    seen, frontier = {S.RECEIVED}, [S.RECEIVED]
    while frontier:
        for nxt in domain.ALLOWED[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)

    assert seen == set(S)


P = ProductionStatus


@pytest.mark.parametrize(
    ("batches", "told"),
    [
        ([P.PLANNED], S.AWAITING_PRODUCTION),
        ([P.BLOCKED_ON_MATERIALS, P.MATERIALS_RESERVED], S.AWAITING_MATERIALS),
        ([P.MATERIALS_RESERVED, P.MATERIALS_RESERVED], S.MATERIALS_RESERVED),
        ([P.IN_PROGRESS, P.MATERIALS_RESERVED], S.IN_PRODUCTION),
        ([P.IN_PROGRESS, P.BLOCKED_ON_MATERIALS], S.AWAITING_MATERIALS),
        ([P.COMPLETED, P.MATERIALS_RESERVED, P.CANCELLED], S.MATERIALS_RESERVED),
        ([P.COMPLETED], S.IN_PRODUCTION),
        ([P.CANCELLED], S.AWAITING_PRODUCTION),
    ],
)
def test_an_order_waiting_for_production_is_told_what_its_batches_are_doing(batches, told):
    assert domain.status_from_production(batches) is told


def test_production_news_does_not_move_an_order_that_is_ready_or_cancelled():
    for status in (S.READY_TO_SHIP, S.CANCELLED, S.ON_HOLD):
        assert domain.follow_production(uuid4(), status, [P.IN_PROGRESS]) is None


def test_allocation_makes_the_order_ready_only_when_nothing_is_missing():
    assert domain.after_allocation(S.IN_PRODUCTION, fully_reserved=True) is S.READY_TO_SHIP
    assert domain.after_allocation(S.IN_PRODUCTION, fully_reserved=False) is None
    assert domain.after_allocation(S.CANCELLED, fully_reserved=True) is None


def test_an_order_can_be_cancelled_before_shipping_but_not_twice():
    order_id = uuid4()

    change = domain.cancel(order_id, S.MATERIALS_RESERVED, reason="customer changed mind")

    assert change.status is S.CANCELLED and change.reason == "customer changed mind"
    with pytest.raises(domain.IllegalTransition):
        domain.cancel(order_id, S.CANCELLED, reason=None)


def test_a_blocked_batch_whose_materials_are_all_in_at_every_level_waits_for_production():
    flour = MissingMaterial(item_code="FLOUR", missing=Quantity.of("0.6", "kg"))
    blocked = [P.BLOCKED_ON_MATERIALS]

    assert domain.status_from_production(blocked, materials_missing=None) is S.AWAITING_MATERIALS
    assert domain.status_from_production(blocked, materials_missing=True) is S.AWAITING_MATERIALS
    assert domain.status_from_production(blocked, materials_missing=False) is S.AWAITING_PRODUCTION
    assert (
        domain.status_from_production(
            [P.BLOCKED_ON_MATERIALS, P.IN_PROGRESS], materials_missing=False
        )
        is S.IN_PRODUCTION
    )
    order_id = uuid4()
    still = domain.follow_production(order_id, S.AWAITING_PRODUCTION, blocked, missing=[flour])
    assert still is not None and still.status is S.AWAITING_MATERIALS
    assert still.reason == "waiting for materials: FLOUR 0.6 kg (no date yet)"
    freed = domain.follow_production(order_id, S.AWAITING_MATERIALS, blocked, missing=[])
    assert freed is not None and freed.status is S.AWAITING_PRODUCTION
    assert freed.reason == "every material is in; waiting for production"


def test_missing_materials_read_as_words_with_their_dates():
    told = domain.describe_missing(
        [
            MissingMaterial(
                item_code="FLOUR", missing=Quantity.of("12.500", "kg"), expected_on=date(2027, 3, 5)
            ),
            MissingMaterial(
                item_code="JAR", missing=Quantity.of("40", "pc"), arrives_on=date(2027, 3, 9)
            ),
            MissingMaterial(item_code="SALT"),
        ]
    )

    assert told == (
        "FLOUR 12.5 kg (expected 2027-03-05), JAR 40 pc (expected 2027-03-09), SALT (no date yet)"
    )


def test_a_lifted_recall_sends_the_order_back_where_it_was():
    order_id = uuid4()

    ready = domain.after_recall_lifted(
        order_id, S.READY_TO_SHIP, [], missing=None, reason="recall withdrawn: lab error"
    )
    waiting = domain.after_recall_lifted(
        order_id, S.AWAITING_MATERIALS, [P.MATERIALS_RESERVED], missing=[], reason="r"
    )

    assert ready is not None and (ready.previous, ready.status) == (S.ON_HOLD, S.READY_TO_SHIP)
    assert ready.reason == "recall withdrawn: lab error"
    assert waiting is not None and waiting.status is S.MATERIALS_RESERVED  # as production is now
    assert domain.after_recall_lifted(order_id, None, [], missing=None, reason="r") is None
    assert domain.after_recall_lifted(order_id, S.CANCELLED, [], missing=None, reason="r") is None
