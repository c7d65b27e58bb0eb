"""``webhook post --sku S --quantity N`` sends a fresh one-line order: compact JSON written
once, ``/`` escaped as Shopify's encoder does, with new 64-bit ids and totals that add up."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.cli import shopify

ORDER_ID = 2**53 + 12_345
LINE_ID = 2**62 + 7
PLACED_AT = datetime(2026, 11, 25, 15, 4, 5, tzinfo=timezone(timedelta(hours=1)))


def biscuit_order(quantity: int = 30) -> bytes:
    return shopify.single_line_order(
        shopify.sample_order(),
        sku="BUTTER-BISCUITS-250G",
        quantity=quantity,
        order_id=ORDER_ID,
        line_id=LINE_ID,
        placed_at=PLACED_AT,
    )


def test_the_order_has_one_line_of_the_sku_and_fresh_64_bit_ids():
    order = json.loads(biscuit_order())

    [line] = order["line_items"]
    assert (line["sku"], line["quantity"], line["fulfillable_quantity"]) == (
        "BUTTER-BISCUITS-250G",
        30,
        30,
    )
    assert (order["id"], line["id"]) == (ORDER_ID, LINE_ID)
    assert order["admin_graphql_api_id"] == f"gid://shopify/Order/{ORDER_ID}"
    assert line["admin_graphql_api_id"] == f"gid://shopify/LineItem/{LINE_ID}"
    assert line["title"] == "Butter biscuits 250g"


def test_the_body_is_compact_json_with_escaped_slashes_and_exact_big_ids():
    body = biscuit_order()

    assert b"/" not in body.replace(b"\\/", b"")
    assert b'"admin_graphql_api_id":"gid:\\/\\/shopify\\/Order\\/9007199254753337"' in body
    assert f'"id":{ORDER_ID},'.encode() in body
    assert b"\n" not in body and b'", "' not in body
    assert body == shopify.encode(json.loads(body))


def test_the_body_is_the_bytes_that_get_signed():
    body = biscuit_order()

    assert shopify.order_id_of(body) == ORDER_ID
    assert shopify.sign(body, "demo-webhook-secret-change-me") == shopify.sign(
        bytes(body), "demo-webhook-secret-change-me"
    )


def test_prices_totals_and_included_taxes_add_up():
    order = json.loads(biscuit_order(30))

    line = order["line_items"][0]
    assert order["subtotal_price"] == order["total_line_items_price"] == "375.00"  # 30 × 12.50
    assert order["total_price"] == "380.90"  # plus 5.90 shipping
    assert line["tax_lines"][0]["price"] == "67.62"  # 375 × 0.22 / 1.22
    assert [(t["rate"], t["price"]) for t in order["tax_lines"]] == [(0.22, "68.68")]  # + 1.06
    assert order["total_tax"] == "68.68"
    assert order["total_price_set"]["shop_money"] == {"amount": "380.90", "currency_code": "EUR"}
    assert Decimal(order["total_tax"]) == sum(Decimal(t["price"]) for t in order["tax_lines"])


def test_the_order_is_placed_now_with_a_number_of_its_own():
    order = json.loads(biscuit_order())

    assert order["created_at"] == PLACED_AT.astimezone(UTC).isoformat()
    assert order["name"] == f"#{order['order_number']}"
    assert order["order_number"] == order["number"] + 1000


def test_everything_else_comes_from_the_sample():
    sample = json.loads(shopify.sample_order())

    order = json.loads(biscuit_order())

    assert order["customer"] == sample["customer"]
    assert order["shipping_address"] == sample["shipping_address"]
    assert order["currency"] == sample["currency"] == "EUR"


def test_a_quantity_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        biscuit_order(0)
