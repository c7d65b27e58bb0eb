"""The CLI signs webhook bodies as Shopify does and edits a body's order id byte-exactly.

Expected digests were computed once, outside Python, with
``printf '%s' BODY | openssl dgst -sha256 -hmac SECRET -binary | base64``.
"""

import json

import pytest

from services.cli import shopify

SMALL_BODY = (
    b'{"id":6021847335190427113,"name":"#1001",'
    b'"line_items":[{"sku":"LAVENDER-SOAP-100G","quantity":2}]}'
)
UTF8_BODY = '{"note":"Per favore niente plastica, caffè","id":7}'.encode()


def test_sign_matches_the_hmac_openssl_computes():
    signature = shopify.sign(SMALL_BODY, "test-client-secret")

    assert signature == "ra8DjO3pIyuhYS5Zlx+mGvM8S/EcXuB6HnOhwl6G5C4="


def test_sign_covers_the_raw_utf8_bytes():
    signature = shopify.sign(UTF8_BODY, "demo-webhook-secret-change-me")

    assert signature == "7j52sx7UaD2YgotwWjqvMAX0nWrkK1bHH96uUA92LW0="


def test_sign_of_an_empty_body_is_still_a_keyed_digest():
    assert shopify.sign(b"", "test-client-secret") == (
        "z/fM1iVTfOGnJv0p9/xL7KihXJa2ye6blGHhSfV9Tog="
    )


def test_a_new_order_id_keeps_every_other_byte_of_the_sample():
    body = shopify.sample_order()
    old_id = json.loads(body)["id"]
    new_id = 9_123_456_789_012_345_678

    replaced = shopify.replace_order_id(body, new_id)

    head, tail = body.split(str(old_id).encode(), 1)
    assert replaced == head + str(new_id).encode() + tail
    assert replaced.startswith(head) and replaced.endswith(tail)
    assert json.loads(replaced)["id"] == new_id


def test_a_new_order_id_leaves_line_and_customer_ids_alone():
    body = shopify.sample_order()

    replaced = json.loads(shopify.replace_order_id(body, 2**53 + 7))

    original = json.loads(body)
    assert replaced["line_items"] == original["line_items"]
    assert replaced["customer"] == original["customer"]
    assert {k: v for k, v in replaced.items() if k != "id"} == {
        k: v for k, v in original.items() if k != "id"
    }


def test_a_new_order_id_works_on_compact_json():
    replaced = shopify.replace_order_id(SMALL_BODY, 12_345_678_901_234_567)

    assert replaced == SMALL_BODY.replace(b"6021847335190427113", b"12345678901234567")


def test_a_body_whose_first_id_is_not_the_orders_is_refused():
    nested = b'{"customer":{"id":42},"id":6021847335190427113}'

    with pytest.raises(ValueError, match="top-level"):
        shopify.replace_order_id(nested, 2**60)


def test_random_order_ids_are_64_bit_and_beyond_float_precision():
    ids = {shopify.random_order_id() for _ in range(200)}

    assert len(ids) == 200
    assert all(2**53 < i < 2**63 for i in ids)


def test_the_sample_order_uses_the_demo_skus_and_a_64_bit_id():
    order = json.loads(shopify.sample_order())

    lines = [(line["sku"], line["quantity"]) for line in order["line_items"]]
    assert lines == [("LAVENDER-SOAP-100G", 2), ("HONEY-JAR-250G", 1)]
    assert 2**53 < order["id"] < 2**63
    assert order["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
