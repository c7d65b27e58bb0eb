"""``ship``'s options (``--line LINE_NO=QTY``, ``--parcel 1.2kg``, carrier and tracking)
become exactly the request body, and a typo is refused before anything is sent."""

from decimal import Decimal

import pytest
import typer

from services.cli.commands.shipping import ship_body
from services.cli.parsing import (
    Parcel,
    ShipLine,
    parse_parcel,
    parse_ship_line,
    unique_lines,
)
from services.cli.render_shipping import lots_text, parcels_text
from services.cli.statuses import Carrier


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1=2", ShipLine(1, Decimal(2))),
        (" 2 = 0.5 ", ShipLine(2, Decimal("0.5"))),
        ("12=.25", ShipLine(12, Decimal("0.25"))),
    ],
)
def test_a_ship_line_is_a_line_number_and_a_quantity_in_the_lines_unit(text, expected):
    assert parse_ship_line(text) == expected


def test_a_ship_line_quantity_stays_an_exact_decimal_in_the_body():
    assert parse_ship_line("1=0.1").as_json() == {"line_no": 1, "quantity": "0.1"}


@pytest.mark.parametrize(
    "text", ["1", "=2", "1=", "0=2", "x=2", "²=2", "1=-1", "1=0", "1=two", "1=2pc", "1=2e3"]
)
def test_a_ship_line_without_a_line_from_one_or_a_bare_positive_quantity_is_refused(text):
    with pytest.raises(ValueError):
        parse_ship_line(text)


def test_a_line_named_twice_is_refused():
    with pytest.raises(ValueError, match="line 1 is given twice"):
        unique_lines([ShipLine(1, Decimal(1)), ShipLine(2, Decimal(1)), ShipLine(1, Decimal(2))])
    assert unique_lines([ShipLine(1, Decimal(1))]) == [ShipLine(1, Decimal(1))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2kg", Parcel(Decimal("1.2"), "kg")),
        ("800 g", Parcel(Decimal(800), "g")),
        ("2", Parcel(Decimal(2), "kg")),
        ("1.5KG", Parcel(Decimal("1.5"), "kg")),
    ],
)
def test_a_parcel_is_a_weight_in_kilograms_unless_another_mass_unit_is_given(text, expected):
    assert parse_parcel(text) == expected


@pytest.mark.parametrize("text", ["", "kg", "0kg", "-1kg", "2l", "3pc", "1,2kg"])
def test_a_parcel_that_is_not_a_positive_weight_is_refused(text):
    with pytest.raises(ValueError):
        parse_parcel(text)


def test_the_body_leaves_out_what_was_not_given_so_the_service_defaults_apply():
    body = ship_body(
        Carrier.manual,
        service=None,
        tracking_number="0531870012345678",
        tracking_url=None,
        lines=[],
        parcels=[],
    )

    assert body == {"carrier": "manual", "tracking_number": "0531870012345678"}


def test_the_body_carries_lines_parcels_and_the_courier():
    body = ship_body(
        Carrier.manual,
        service="BRT",
        tracking_number="0531870012345678",
        tracking_url="https://example.org/track/0531870012345678",
        lines=[ShipLine(1, Decimal(2))],
        parcels=[Parcel(Decimal("0.4")), Parcel(Decimal(800), "g")],
    )

    assert body == {
        "carrier": "manual",
        "service": "BRT",
        "tracking_number": "0531870012345678",
        "tracking_url": "https://example.org/track/0531870012345678",
        "lines": [{"line_no": 1, "quantity": "2"}],
        "parcels": [{"weight": "0.4", "unit": "kg"}, {"weight": "800", "unit": "g"}],
    }


@pytest.mark.parametrize("number", [None, "", "   "])
def test_the_manual_carrier_needs_a_tracking_number(number):
    with pytest.raises(typer.BadParameter, match="tracking number"):
        ship_body(
            Carrier.manual,
            service="BRT",
            tracking_number=number,
            tracking_url=None,
            lines=[],
            parcels=[],
        )


def test_sendcloud_gives_its_own_tracking_so_none_is_typed():
    assert ship_body(
        Carrier.sendcloud,
        service="8",
        tracking_number=None,
        tracking_url=None,
        lines=[],
        parcels=[],
    ) == {"carrier": "sendcloud", "service": "8"}
    with pytest.raises(typer.BadParameter, match="manual carrier"):
        ship_body(
            Carrier.sendcloud,
            service=None,
            tracking_number="X1",
            tracking_url=None,
            lines=[],
            parcels=[],
        )


def test_parcels_and_lots_read_as_one_short_text():
    parcels = [
        {"parcel_no": 1, "weight": "1.2", "weight_unit": "kg"},
        {"parcel_no": 2, "weight": "0.8", "weight_unit": "kg"},
    ]
    lots = [
        {"line_no": 1, "item_code": "SOAP", "lot_code": "LS-A", "quantity": "2", "unit": "pc"},
        {"line_no": 2, "item_code": "HONEY", "lot_code": "HJ-A", "quantity": "1", "unit": "pc"},
    ]

    assert parcels_text(parcels) == "2 parcels: 1.2 kg, 0.8 kg"
    assert parcels_text(parcels[:1]) == "1 parcel: 1.2 kg"
    assert parcels_text([]) == "-"
    assert lots_text(lots) == "line 1: 2 pc SOAP from LS-A\nline 2: 1 pc HONEY from HJ-A"
