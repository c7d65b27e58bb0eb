"""Shopify signatures and orders/create parsing, on raw bytes like Shopify sends them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from services.connectors.shopify import orders, signature
from shared.units import Quantity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"
RAW = (FIXTURES / "orders-create.raw.txt").read_bytes()
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "marketplaces"


def test_signature_matches_a_digest_computed_by_openssl():
    # printf '{"id":1}' | openssl dgst -sha256 -hmac s3cret-key -binary | base64
    expected = "6q4J3al5tGzMxeeSCxchGz6xRiAEcVtbMHzI5VbVJ/o="

    assert signature.sign(b'{"id":1}', "s3cret-key") == expected
    assert signature.verify(b'{"id":1}', "s3cret-key", expected)


def test_signature_is_over_raw_bytes_not_reserialised_json():
    header = signature.sign(RAW, "shop-secret")
    reserialised = json.dumps(json.loads(RAW), separators=(",", ":")).encode()

    assert b"\\/" in RAW and reserialised != RAW
    assert signature.verify(RAW, "shop-secret", header)
    assert not signature.verify(reserialised, "shop-secret", header)


@pytest.mark.parametrize("header", [None, "", "not-base64", "AAAA"])
def test_missing_or_wrong_signatures_are_refused(header):
    assert not signature.verify(RAW, "shop-secret", header)


def test_orders_create_becomes_a_normalised_inbound_order_with_exact_ids_and_prices():
    mapping = {"LAVENDER-SOAP-100G": "LAVENDER-SOAP"}

    order = orders.to_inbound_order(
        json.loads(RAW), shop="demo.myshopify.com", item_for=mapping.get
    )

    assert order.external_id == "5982731046158209817"  # above 2**53: a float would round it
    assert order.external_number == "#1042"
    assert order.customer.name == "Giulia Verdi"
    assert order.customer.locale == "it"
    assert order.customer.country_code == "IT"
    address = order.customer.shipping_address
    assert address is not None
    assert (address.address1, address.city, address.postal_code) == (
        "Via Roma 12",
        "Bologna",
        "40121",
    )
    first, second = order.lines
    assert first.external_line_id == "14829301746501928374"
    assert first.item_code == "LAVENDER-SOAP"
    assert first.quantity == Quantity.of(2, "pc")
    assert first.unit_price is not None and first.unit_price.amount == Decimal("12.50")
    assert (second.sku, second.item_code) == ("", None)  # empty SKU: mapped to nothing


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([], "not a JSON object"),
        ({"line_items": []}, "order.id is missing"),
        ({"id": 1.5, "line_items": []}, "order.id must be an integer"),
        ({"id": 1}, "line_items is missing"),
        ({"id": 1, "line_items": [{"id": 2, "quantity": "2"}]}, "quantity must be an integer"),
        (
            {"id": 1, "line_items": [{"id": 2, "quantity": 1, "price": "abc"}], "currency": "EUR"},
            "not a decimal amount",
        ),
    ],
)
def test_unreadable_orders_name_the_field_at_fault(body, complaint):
    with pytest.raises(orders.InvalidShopifyOrder, match=complaint):
        orders.to_inbound_order(body, shop="demo.myshopify.com", item_for=lambda _: None)


def test_parser_reads_the_public_reference_payloads_when_they_are_beside_the_checkout():
    """Shopify's own samples (not committed here) must parse too; our fixture always does."""
    bodies = [RAW]
    for name in (
        "shopify-orders-create.raw-body.txt",
        "shopify-orders-create.real-discounts.json",
        "shopify-order-unfulfilled.rest.json",
        "shopify-order-fulfilled.rest.json",
    ):
        if (REFERENCE / name).exists():
            bodies.append((REFERENCE / name).read_bytes())

    for body in bodies:
        order = orders.to_inbound_order(
            json.loads(body), shop="x.myshopify.com", item_for=lambda sku: sku or None
        )
        assert order.external_id.isdigit()
        assert order.lines and all(line.quantity.value > 0 for line in order.lines)
