"""Compact option values (``--consume LOT=QTY``, ``--line ORDER:LINE``) parse exactly, and a
typo is refused before anything reaches the gateway."""

from decimal import Decimal
from uuid import UUID

import pytest

from services.cli.parsing import Consumed, OrderLine, parse_consumed, parse_order_line

ORDER = "3ef3ea44-b72a-5c32-be64-38aa57eb7cd7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FLOUR-00-R261125-02=6", Consumed("FLOUR-00-R261125-02", Decimal("6"))),
        ("FLOUR-00-R261125-02=6.25kg", Consumed("FLOUR-00-R261125-02", Decimal("6.25"), "kg")),
        ("BUTTER-R261125-01=3000 g", Consumed("BUTTER-R261125-01", Decimal("3000"), "g")),
        (
            " JAR-GLASS-250-R261125-01 = 40 pc ",
            Consumed("JAR-GLASS-250-R261125-01", Decimal(40), "pc"),
        ),
        ("LOT=A=.5", Consumed("LOT=A", Decimal("0.5"))),
    ],
)
def test_a_consumed_lot_is_its_code_a_decimal_and_an_optional_unit(text, expected):
    assert parse_consumed(text) == expected


def test_a_consumed_quantity_stays_an_exact_decimal_in_the_request_body():
    consumed = parse_consumed("SUGAR-R261125-01=0.1kg")

    assert consumed.as_json() == {"lot_code": "SUGAR-R261125-01", "quantity": "0.1", "unit": "kg"}
    assert parse_consumed("SUGAR-R261125-01=1").as_json() == {
        "lot_code": "SUGAR-R261125-01",
        "quantity": "1",
    }


@pytest.mark.parametrize(
    "text",
    ["FLOUR-00", "=6kg", "FLOUR-00=", "FLOUR-00=six", "FLOUR-00=0", "FLOUR-00=-2", "FLOUR-00=1e3"],
)
def test_a_consumed_lot_without_code_or_positive_quantity_is_refused(text):
    with pytest.raises(ValueError):
        parse_consumed(text)


def test_an_order_line_is_an_order_id_and_a_line_number():
    line = parse_order_line(f"{ORDER}:2")

    assert line == OrderLine(UUID(ORDER), 2)
    assert line.as_json() == {"order_id": ORDER, "line_no": 2}


@pytest.mark.parametrize(
    "text", [ORDER, f"{ORDER}:", f"{ORDER}:0", f"{ORDER}:x", f"{ORDER}:²", "not-an-id:1", ":1"]
)
def test_an_order_line_without_a_uuid_or_a_line_from_one_is_refused(text):
    with pytest.raises(ValueError):
        parse_order_line(text)


def test_a_quoted_line_is_an_item_a_positive_quantity_and_a_unit():
    from services.cli.parsing import ItemQuantity, parse_item_quantity

    assert parse_item_quantity("BISCUIT-JAR=10pc") == ItemQuantity("BISCUIT-JAR", Decimal(10), "pc")
    assert parse_item_quantity(" FLOUR = 2.5 kg") == ItemQuantity("FLOUR", Decimal("2.5"), "kg")
    for bad, complaint in (
        ("FLOUR=2", "give the unit"),
        ("=2kg", "ITEM=QUANTITY"),
        ("F=0kg", "positive"),
    ):
        with pytest.raises(ValueError, match=complaint):
            parse_item_quantity(bad)
