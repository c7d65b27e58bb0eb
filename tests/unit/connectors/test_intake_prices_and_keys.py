"""Issue 18 at the edge, pure: what a line without a SKU is mapped by, and the prices the
customer paid (per line and per order) read exactly from Shopify and Etsy shapes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.connectors.etsy import receipts
from services.connectors.shopify import orders
from services.connectors.sku_mappings import InvalidMappingKey, check_key
from services.orders import domain
from shared.contracts.connectors import InboundOrderReceived

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "marketplaces"


def nothing(key: str) -> str | None:
    """A shop with no mappings yet."""
    return None


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "divisor": 100, "currency_code": "USD"}


def etsy_receipt() -> dict[str, Any]:
    """Shaped like a real getShopReceipts answer: ``sku: ""``, coupons as JSON floats."""
    line = {"quantity": 1, "sku": "", "price": usd(11300), "buyer_coupon": 22.18}
    return {
        "receipt_id": 3028255399,
        "status": "Completed",
        "is_paid": True,
        "updated_timestamp": 1696366114,
        "created_timestamp": 1695645376,
        "grandtotal": usd(18080),
        "subtotal": usd(18080),
        "total_price": usd(22600),
        "total_shipping_cost": usd(0),
        "total_tax_cost": usd(0),
        "discount_amt": usd(4520),
        "transactions": [
            {**line, "transaction_id": 3736941861, "listing_id": 157233, "product_id": 1785405},
            {**line, "transaction_id": 3736941862, "listing_id": 157234, "shop_coupon": 22.6},
        ],
    }


def test_etsy_lines_without_a_sku_are_keyed_by_product_then_listing():
    order = receipts.to_inbound_order(etsy_receipt(), shop="etsy-1", item_for=nothing)

    assert [line.mapping_key for line in order.lines] == ["product:1785405", "listing:157234"]
    assert domain.hold_reason(order.lines) == (
        "unknown_sku: (empty) product:1785405, (empty) listing:157234"
    )


def test_etsy_float_coupons_become_exact_cents_and_the_receipt_totals_are_kept():
    receipt = etsy_receipt()
    receipt["transactions"][0]["shop_coupon"] = 22.6

    order = receipts.to_inbound_order(receipt, shop="etsy-1", item_for=nothing)

    paid = [(str(ln.gross), str(ln.discount), str(ln.net)) for ln in order.lines]
    assert paid == [("113.00 USD", "22.60 USD", "90.40 USD")] * 2
    assert order.totals is not None
    assert order.totals.model_dump(mode="json") == {
        "subtotal": {"amount": "180.80", "currency": "USD"},
        "discounts": {"amount": "45.20", "currency": "USD"},
        "shipping": {"amount": "0.00", "currency": "USD"},
        "tax": {"amount": "0.00", "currency": "USD"},
        "total": {"amount": "180.80", "currency": "USD"},
    }


def test_a_shopify_line_without_a_sku_is_keyed_by_its_variant_else_its_product():
    base = {"quantity": 1, "price": "1.00", "sku": None}
    payload = {
        "id": 820982911946154508,
        "currency": "EUR",
        "line_items": [
            {**base, "id": 1, "variant_id": 50398373085484, "product_id": 9782123692332},
            {**base, "id": 2, "variant_id": None, "product_id": 9782123692332},
            {**base, "id": 3, "sku": "SOAP"},
        ],
    }
    mapped = {"variant:50398373085484": "SOAP-100G"}

    order = orders.to_inbound_order(payload, shop="x.myshopify.com", item_for=mapped.get)

    assert [(ln.sku, ln.mapping_key, ln.item_code) for ln in order.lines] == [
        ("", "variant:50398373085484", "SOAP-100G"),
        ("", "product:9782123692332", None),
        ("SOAP", None, None),
    ]


@pytest.mark.parametrize("key", ["variant:abc", "product:", "listing:12x", " "])
def test_a_fallback_key_that_names_no_channel_id_is_refused(key):
    with pytest.raises(InvalidMappingKey):
        check_key(key)


def test_a_test_order_creates_no_demand_unless_its_shop_made_test_orders_live():
    order = InboundOrderReceived(channel="shopify", shop="s", external_id="1", lines=(), test=True)

    assert not order.creates_demand
    assert order.model_copy(update={"test_live": True}).creates_demand


@pytest.mark.skipif(
    not (REFERENCE / "shopify-orders-create.real-discounts.json").exists(),
    reason="reference payloads not on this machine",
)
def test_the_real_discounted_order_keeps_what_each_line_was_paid_and_the_totals():
    payload = json.loads((REFERENCE / "shopify-orders-create.real-discounts.json").read_text())

    order = orders.to_inbound_order(payload, shop="x.myshopify.com", item_for=nothing)

    nets = [str(line.net.amount) if line.net else None for line in order.lines]
    assert nets == ["89.22", "94.92", "94.93", "94.93"]
    assert sum(Decimal(str(n)) for n in nets) == Decimal("374.00")
    assert order.totals is not None
    totals = order.totals.model_dump(mode="json")
    assert {k: v["amount"] for k, v in totals.items()} == {
        "subtotal": "374.00",
        "discounts": "25.00",
        "shipping": "20.00",
        "tax": "0.00",
        "total": "394.00",
    }
    assert all(line.mapping_key and line.mapping_key.startswith("variant:") for line in order.lines)
