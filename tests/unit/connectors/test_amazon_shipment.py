"""What ``confirmShipment`` is sent for a shipment: Amazon's items and whole quantities,
the carrier as a code Amazon knows (else ``Other`` with the name), one package reference
per shipment however often it is tried. Pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.connectors.amazon import shipment
from shared.contracts.orders import ShipmentDispatched, ShippedLot
from shared.units import Quantity

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def lot(line_no: int, item_id: str | None, quantity: str, unit: str = "pc") -> ShippedLot:
    return ShippedLot(
        line_no=line_no,
        external_line_id=item_id,
        item_code="SOAP",
        lot_code=f"SOAP-{line_no}",
        quantity=Quantity.of(quantity, unit),
    )


def shipped(
    *lots: ShippedLot, carrier: str = "DHL", tracking: str | None = "JD0142"
) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel="amazon",
        shop="amazon-A1SELLER",
        external_id="302-1234567-7654321",
        carrier="manual",
        carrier_company=carrier,
        service="Paket",
        tracking_number=tracking,
        lots=lots,
        completes_order=True,
    )


def test_the_package_carries_the_items_summed_over_lots_and_the_tracking_number() -> None:
    event = shipped(lot(1, "111", "2"), lot(1, "111", "1"), lot(2, "222", "4"))

    body, problem = shipment.payload(event, now=NOW)

    assert problem is None
    assert body["amazon_order_id"] == "302-1234567-7654321"
    package = body["packageDetail"]
    assert package["orderItems"] == [
        {"orderItemId": "111", "quantity": 3},
        {"orderItemId": "222", "quantity": 4},
    ]
    assert (package["carrierCode"], package["trackingNumber"]) == ("DHL", "JD0142")
    assert package["shipDate"] == "2026-12-07T09:30:00Z" and package["shippingMethod"] == "Paket"
    assert package["packageReferenceId"] == shipment.package_reference(event.shipment_id)


def test_one_shipment_is_one_package_reference_a_positive_number() -> None:
    event = shipped(lot(1, "111", "1"))
    first, _ = shipment.payload(event, now=NOW)
    again, _ = shipment.payload(event, now=NOW)
    reference = first["packageDetail"]["packageReferenceId"]
    assert reference == again["packageDetail"]["packageReferenceId"]
    assert reference.isdigit() and int(reference) > 0


def test_an_unknown_carrier_is_other_with_its_name() -> None:
    assert shipment.carrier_fields("royal mail") == {"carrierCode": "Royal Mail"}
    assert shipment.carrier_fields("Bartolini Express") == {
        "carrierCode": "Other",
        "carrierName": "Bartolini Express",
    }


def test_a_shipment_amazon_cannot_take_is_born_dead_with_the_reason() -> None:
    _, no_tracking = shipment.payload(shipped(lot(1, "111", "1"), tracking=None), now=NOW)
    _, no_item = shipment.payload(shipped(lot(1, None, "1")), now=NOW)
    _, fraction = shipment.payload(shipped(lot(1, "111", "1.5")), now=NOW)
    _, weight = shipment.payload(shipped(lot(1, "111", "2", unit="kg")), now=NOW)

    assert no_tracking == "Amazon needs a tracking number to confirm a shipment"
    assert no_item == "line 1 has no Amazon order item id"
    assert fraction is not None and "whole pieces" in fraction
    assert weight is not None and "whole pieces" in weight
