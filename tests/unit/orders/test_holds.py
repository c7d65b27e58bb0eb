"""Held orders: which lines a mapping fills, and when an order may be released."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.orders.holds import holds
from shared.contracts.connectors import InboundOrderLine
from shared.contracts.orders import OrderStatus
from shared.units import Quantity


def held(no: int, sku: str, item: str | None = None, qty: str = "2") -> holds.HeldLine:
    return holds.HeldLine(
        line_no=no,
        external_line_id=f"L{no}",
        sku=sku,
        item_code=item,
        quantity=Quantity.of(qty, "pc"),
    )


def test_a_mapping_fills_only_unmapped_lines_of_its_sku():
    lines = [held(1, "SOAP"), held(2, "SOAP", "OTHER"), held(3, "HONEY"), held(4, "")]

    changed = holds.map_sku(lines, sku="SOAP", item_code="SOAP-100")

    assert [(ln.line_no, ln.item_code) for ln in changed] == [(1, "SOAP-100")]


def test_an_empty_sku_is_never_filled_from_mappings():
    line = InboundOrderLine(
        external_line_id="1", sku="", item_code=None, quantity=Quantity.of(1, "pc")
    )

    assert holds.fill_unmapped([line], {"": "ANY"})[0].item_code is None


def test_release_is_refused_while_a_line_is_unmapped_and_names_it():
    with pytest.raises(holds.StillHeld, match=r"unknown_sku: \(empty\)"):
        holds.release(
            uuid4(),
            OrderStatus.ON_HOLD,
            [held(1, "", None)],
            channel="shopify",
            external_id="1",
            reason="x",
        )


def test_release_moves_on_hold_to_received_with_every_line_for_inventory():
    order_id = uuid4()

    released, received = holds.release(
        order_id,
        OrderStatus.ON_HOLD,
        [held(1, "SOAP", "SOAP-100", "3"), held(2, "", "HONEY-250")],
        channel="shopify",
        external_id="42",
        reason="mapped",
    )

    assert (released.previous, released.status) == (OrderStatus.ON_HOLD, OrderStatus.RECEIVED)
    assert [(r.line_no, r.item_code, str(r.quantity)) for r in received.lines] == [
        (1, "SOAP-100", "3 pc"),
        (2, "HONEY-250", "2 pc"),
    ]


def test_an_operator_cannot_name_an_item_for_a_line_the_order_lacks():
    with pytest.raises(ValueError, match="no line 7"):
        holds.assign_items([held(1, "")], {7: "SOAP-100"})


def test_only_sku_holds_are_released_by_a_mapping():
    assert holds.is_sku_hold("unknown_sku: SOAP")
    assert not holds.is_sku_hold("invalid_quantity: SOAP")
    assert not holds.is_sku_hold(None)
