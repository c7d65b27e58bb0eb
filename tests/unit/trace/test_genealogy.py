"""What each event says about the genealogy graph (pure)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from services.trace import genealogy
from services.trace.genealogy import EdgeFact, Kind
from shared.contracts.inventory import LotReceived, ReservedLot, StockShipped
from shared.contracts.orders import OrderReceived
from shared.units import Quantity

ON = date(2026, 11, 25)


def test_a_goods_receipt_links_supplier_supplier_lot_and_our_lot_with_the_quantity():
    event = LotReceived(
        lot_code="FLOUR-R1",
        item_code="FLOUR",
        quantity=Quantity.of("25", "kg"),
        supplier="Mulino Rossi",
        supplier_lot_code="MR-2611",
    )

    facts = genealogy.from_lot_received(event, on=ON)

    origin = genealogy.supplier_lot_key("Mulino Rossi", "MR-2611")
    assert facts.edges == (
        EdgeFact("supplier:Mulino Rossi", origin, happened_on=ON),
        EdgeFact(origin, "lot:FLOUR-R1", Decimal(25), "kg", ON),
    )


def test_a_lot_shipped_on_two_lines_is_one_edge_with_the_sum():
    event = StockShipped(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        lots=tuple(
            ReservedLot(line_no=n, item_code="BISC", lot_code="B-1", quantity=Quantity.of(q, "pc"))
            for n, q in ((1, "4"), (2, "2"))
        ),
    )

    facts = genealogy.from_stock_shipped(event, on=ON)

    [lot_edge] = [e for e in facts.edges if e.source_key == "lot:B-1"]
    assert (lot_edge.quantity, lot_edge.unit) == (Decimal(6), "pc")


def test_a_customer_is_known_by_e_mail_and_without_one_by_name():
    def order(name: str | None, email: str | None) -> OrderReceived:
        return OrderReceived(
            order_id=uuid.uuid4(),
            channel="shopify",
            external_id="1",
            lines=(),
            customer_name=name,
            customer_email=email,
        )

    by_mail = genealogy.from_order_received(order("Anna", " Anna@Example.org"), on=ON)
    by_name = genealogy.from_order_received(order("Anna Rossi", None), on=ON)
    nobody = genealogy.from_order_received(order(None, None), on=ON)

    assert [n.code for n in by_mail.nodes if n.kind is Kind.CUSTOMER] == ["anna@example.org"]
    assert [n.code for n in by_name.nodes if n.kind is Kind.CUSTOMER] == ["Anna Rossi"]
    assert nobody.edges == ()
