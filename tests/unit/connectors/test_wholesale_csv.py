"""Wholesale CSV rows judged one by one: bad rows reported by line, good rows grouped."""

from __future__ import annotations

from datetime import date

import pytest

from services.connectors.direct_orders import wholesale_csv
from services.connectors.direct_orders.wholesale_csv import UnreadableFile, item_codes, parse
from shared.contracts.connectors import MAX_LINES_PER_ORDER

ITEMS = {"SOAP-100": "pc", "FLOUR": "kg"}
HEADER = "order_reference,customer_name,customer_email,item,quantity,unit,requested_date\n"


def test_good_rows_are_grouped_into_orders_by_reference():
    text = HEADER + (
        "PO-1,Bottega,b@example.org,SOAP-100,12,pc,2026-12-01\n"
        "PO-2,Forno,,FLOUR,2.5,kg,\n"
        "PO-1,Bottega,b@example.org,FLOUR,500,g,2026-12-01\n"
    )

    parsed = parse(text, base_units=ITEMS)

    assert parsed.errors == []
    po1, po2 = parsed.orders
    assert (po1.reference, po1.requested_on, po1.customer_email) == (
        "PO-1",
        date(2026, 12, 1),
        "b@example.org",
    )
    assert [(ln.line, ln.item_code, str(ln.quantity)) for ln in po1.lines] == [
        (2, "SOAP-100", "12 pc"),
        (4, "FLOUR", "500 g"),
    ]
    assert [str(ln.quantity) for ln in po2.lines] == ["2.5 kg"]


def test_each_bad_row_is_reported_with_its_line_and_never_blocks_the_good_ones():
    text = HEADER + (
        "PO-1,Bottega,,SOAP-100,3,,\n"
        "PO-1,Bottega,,HONEY,1,pc,\n"
        ",Bottega,,SOAP-100,1,pc,\n"
        "PO-2,Forno,,SOAP-100,1.5,pc,\n"
        "PO-3,Forno,,SOAP-100,two,pc,\n"
        "PO-4,Forno,,SOAP-100,1,pc,31/12/2026\n"
        "\n"
        "PO-1,Someone else,,SOAP-100,1,pc,\n"
        "PO-5,Forno,,SOAP-100,4,pc,\n"
    )

    parsed = parse(text, base_units=ITEMS)

    assert [(e.line, e.reference) for e in parsed.errors] == [
        (3, "PO-1"),
        (4, None),
        (5, "PO-2"),
        (6, "PO-3"),
        (7, "PO-4"),
        (9, "PO-1"),
    ]
    reasons = [e.reason for e in parsed.errors]
    assert "unknown item 'HONEY'" in reasons[0]
    assert "order_reference is empty" in reasons[1]
    assert "not a whole number" in reasons[2]
    assert "'two' is not a number" in reasons[3]
    assert "is not a date" in reasons[4]
    assert "customer_name 'Someone else' differs" in reasons[5]
    assert [(o.reference, len(o.lines)) for o in parsed.orders] == [("PO-1", 1), ("PO-5", 1)]


def test_a_quoted_field_spanning_lines_keeps_later_line_numbers_right():
    text = HEADER + '"PO-1","Bottega\nVerdi",,SOAP-100,1,pc,\nPO-2,Forno,,NOPE,1,pc,\n'

    parsed = parse(text, base_units=ITEMS)

    assert [e.line for e in parsed.errors] == [4]


def test_headers_are_case_insensitive_accept_sku_and_ignore_extra_columns():
    text = "Order_Reference,Customer_Name,SKU,Quantity,Note\nPO-9,Bottega,SOAP-100,2,hi\n"

    parsed = parse(text, base_units=ITEMS)

    assert [o.reference for o in parsed.orders] == ["PO-9"]
    assert item_codes(text) == {"SOAP-100"}


@pytest.mark.parametrize("text", ["", "order_reference,item,quantity\nPO-1,SOAP-100,1\n"])
def test_a_file_without_the_required_header_is_unreadable(text):
    with pytest.raises(UnreadableFile):
        parse(text, base_units=ITEMS)


def test_a_price_needs_a_currency():
    text = "order_reference,customer_name,item,quantity,unit_price,currency\n"
    text += "PO-1,B,SOAP-100,1,2.50,\nPO-2,B,SOAP-100,1,2.50,eur\n"

    parsed = parse(text, base_units=ITEMS)

    assert [(e.line, e.reason) for e in parsed.errors] == [(2, "a unit_price needs a currency")]
    assert str(parsed.orders[0].lines[0].unit_price) == "2.50 EUR"
    assert wholesale_csv.REQUIRED == ("order_reference", "customer_name", "item", "quantity")


def test_an_order_past_the_line_bound_is_refused_whole_and_the_others_import():
    bound = MAX_LINES_PER_ORDER
    big = "".join(f"PO-BIG,Bottega,,SOAP-100,{n},pc,\n" for n in range(1, bound + 2))
    full = "".join(f"PO-FULL,Forno,,FLOUR,{n},kg,\n" for n in range(1, bound + 1))

    parsed = parse(HEADER + big + full, base_units=ITEMS)

    assert [(o.reference, len(o.lines)) for o in parsed.orders] == [("PO-FULL", bound)]
    [error] = parsed.errors
    assert (error.line, error.reference) == (bound + 2, "PO-BIG")
    assert error.reason == f"order PO-BIG has {bound + 1} lines, more than {bound}"
