"""WooCommerce's pure rules: the webhook signature, the order reader (statuses, money kept
exactly, SKUs and variations), the lifecycle against redeliveries and out-of-order
pictures, the write-back's note and the stock level's product or variation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.connectors.channels.port import Refused
from services.connectors.woocommerce import fulfilment, lifecycle, orders, signature, stock, webhook
from services.connectors.woocommerce.client import checked_base_url
from services.connectors.woocommerce.lifecycle import Action, Outcome, Stored
from services.connectors.woocommerce.orders import Stage
from shared.contracts.orders import ShipmentDispatched
from tests.fakes.woocommerce import order as woo_order
from tests.fakes.woocommerce import sign as fake_sign

T0 = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


# --- signature -------------------------------------------------------------------------


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id":4750,"status":"processing"}'
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()

    assert signature.sign(body, "s3cret") == expected
    assert signature.verify(body, "s3cret", expected)
    assert signature.verify(body, "s3cret", f"  {expected}\n")  # header whitespace


@pytest.mark.parametrize("header", [None, "", "x", "=" * 44])
def test_a_missing_or_malformed_signature_is_refused(header: str | None) -> None:
    assert not signature.verify(b"{}", "s3cret", header)


def test_an_empty_secret_verifies_nothing() -> None:
    assert not signature.verify(b"{}", "", signature.sign(b"{}", ""))


@given(st.binary(max_size=512), st.text(min_size=1, max_size=40), st.integers(0, 511))
def test_any_changed_byte_breaks_the_signature(body: bytes, secret: str, position: int) -> None:
    header = signature.sign(body, secret)
    assert signature.verify(body, secret, header)
    assert fake_sign(body, secret) == header  # the fake signs as WooCommerce does
    if body:
        index = position % len(body)
        changed = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        assert not signature.verify(changed, secret, header)
    assert not signature.verify(body + b" ", secret, header)
    assert not signature.verify(body, secret + "x", header)


def test_a_delivery_reads_woocommerce_headers_and_knows_the_ping() -> None:
    headers = {
        "x-wc-webhook-topic": "order.updated",
        "x-wc-webhook-resource": "order",
        "x-wc-webhook-event": "updated",
        "x-wc-webhook-signature": "abc=",
        "x-wc-webhook-id": "7",
        "x-wc-webhook-delivery-id": "36e520eb",
    }
    delivery = webhook.Delivery.of(headers, b"{}")
    ping = webhook.Delivery.of({}, b"webhook_id=7")

    assert (delivery.topic_name, delivery.delivery_id, delivery.webhook_id) == (
        "order.updated",
        "36e520eb",
        "7",
    )
    assert ping.is_ping and not delivery.is_ping
    with pytest.raises(webhook.BadWebhook) as bad:
        webhook.verify(delivery, "secret")
    assert bad.value.status == 401


def test_without_a_delivery_id_the_order_and_its_modification_dedupe() -> None:
    delivery = webhook.Delivery.of({"x-wc-webhook-topic": "order.updated"}, b"{}")
    picture = {"id": 12, "date_modified_gmt": "2026-12-07T09:30:00"}

    assert webhook.dedupe_key(delivery, picture) == "order.updated:12:2026-12-07T09:30:00"


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"id": "12"}', b'{"id": true}'])
def test_a_body_that_is_not_an_order_is_400(body: bytes) -> None:
    with pytest.raises(webhook.BadWebhook) as bad:
        webhook.read_body(webhook.Delivery.of({}, body))
    assert bad.value.status == 400


# --- orders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("pending", Stage.NOT_YET),
        ("on-hold", Stage.NOT_YET),
        ("checkout-draft", Stage.NOT_YET),
        ("processing", Stage.DEMAND),
        ("wc-processing", Stage.DEMAND),
        ("cancelled", Stage.ENDED),
        ("refunded", Stage.ENDED),
        ("failed", Stage.ENDED),
        ("trash", Stage.ENDED),
        ("completed", Stage.SHIPPED_BY_SHOP),
        ("awaiting-pickup", Stage.NOT_YET),  # a plugin's status: held, not demand
    ],
)
def test_statuses_map_to_stages(status: str, stage: Stage) -> None:
    assert orders.stage_of(status) is stage


def test_an_order_is_read_with_money_kept_exactly_and_variations_by_their_own_sku() -> None:
    raw = woo_order(4750, [("SOAP-LAV", 3, "29.97"), ("SOAP-ROSE-XL", 1, "12.90")])
    raw["line_items"][0]["total"] = "26.97"  # a 3.00 coupon on the first line
    mapped = {"SOAP-LAV": "SOAP-LAV", "SOAP-ROSE-XL": "SOAP-ROSE"}

    inbound = orders.to_inbound_order(raw, shop="woo-bottega", item_for=mapped.get)

    assert inbound.channel == "woocommerce" and inbound.external_id == "woo-bottega/4750"
    assert inbound.currency == "EUR" and inbound.external_number == "4750"
    first, second = inbound.lines
    assert (first.sku, first.item_code) == ("SOAP-LAV", "SOAP-LAV")
    assert first.quantity.value == Decimal(3)
    assert first.unit_price is not None and first.unit_price.amount == Decimal("9.99")
    assert first.gross is not None and str(first.gross.amount) == "29.97"
    assert first.net is not None and str(first.net.amount) == "26.97"
    assert first.discount is not None and str(first.discount.amount) == "3.00"
    assert (second.sku, second.item_code) == ("SOAP-ROSE-XL", "SOAP-ROSE")
    assert inbound.totals is not None and inbound.totals.total is not None
    assert str(inbound.totals.total.amount) == "47.77"  # 29.97 + 12.90 + 4.90 shipping
    assert inbound.customer.shipping_address is not None
    assert inbound.customer.shipping_address.postal_code == "40121"
    assert inbound.placed_at is not None and inbound.placed_at.tzinfo is not None


def test_a_line_without_a_sku_is_mapped_by_its_variation_else_its_product() -> None:
    raw = woo_order(4751, [("", 1, "5.00"), ("", 2, "10.00")])

    inbound = orders.to_inbound_order(raw, shop="s", item_for=lambda _k: None)

    assert inbound.lines[0].mapping_key == f"product:{raw['line_items'][0]['product_id']}"
    assert inbound.lines[1].mapping_key == f"variation:{raw['line_items'][1]['variation_id']}"
    assert all(line.item_code is None for line in inbound.lines)


def test_an_inexact_unit_price_is_left_out_rather_than_rounded() -> None:
    raw = woo_order(4752, [("X", 3, "10.00")])

    line = orders.to_inbound_order(raw, shop="s", item_for=lambda _k: None).lines[0]

    assert line.unit_price is None and line.gross is not None
    assert str(line.gross.amount) == "10.00"


def test_gmt_timestamps_have_no_zone_and_are_utc() -> None:
    assert orders.gmt("2026-12-07T09:30:00", "x") == T0
    with pytest.raises(orders.InvalidWooOrder):
        orders.gmt("yesterday", "x")


@pytest.mark.parametrize("field", ["id", "status", "currency", "line_items"])
def test_an_unreadable_order_names_its_field(field: str) -> None:
    raw = woo_order(4753, [("X", 1, "1.00")])
    raw[field] = None
    with pytest.raises(orders.InvalidWooOrder):
        orders.to_inbound_order(raw, shop="s", item_for=lambda _k: None)


def test_external_ids_carry_the_store_and_give_back_the_order_id() -> None:
    assert orders.order_id_of(orders.external_id("woo-a.example", 4750)) == "4750"
    assert orders.order_id_of("not-an-order") is None


# --- lifecycle -------------------------------------------------------------------------


def test_pending_is_not_demand_until_processing() -> None:
    first = lifecycle.decide(None, Stage.NOT_YET, T0)
    paid = lifecycle.decide(Stored(first.outcome, T0), Stage.DEMAND, T0 + timedelta(seconds=5))

    assert (first.outcome, first.action) == (Outcome.AWAITING_PAYMENT, Action.NOTHING)
    assert (paid.outcome, paid.action) == (Outcome.PUBLISHED, Action.PUBLISH)


def test_a_redelivered_or_older_picture_changes_nothing() -> None:
    published = Stored(Outcome.PUBLISHED, T0)

    again = lifecycle.decide(published, Stage.DEMAND, T0)
    older_cancel = lifecycle.decide(published, Stage.ENDED, T0 - timedelta(seconds=1))

    assert again.action is Action.NOTHING and not again.stale
    assert older_cancel.stale and older_cancel.action is Action.NOTHING


def test_a_pending_to_processing_change_within_one_second_is_not_lost() -> None:
    decision = lifecycle.decide(Stored(Outcome.AWAITING_PAYMENT, T0), Stage.DEMAND, T0)
    assert decision.action is Action.PUBLISH


def test_an_older_pending_after_a_newer_processing_never_unpublishes() -> None:
    decision = lifecycle.decide(Stored(Outcome.PUBLISHED, T0), Stage.NOT_YET, T0)
    assert (decision.outcome, decision.action) == (Outcome.PUBLISHED, Action.NOTHING)


def test_cancelled_refunded_or_failed_cancel_a_published_order_once() -> None:
    cancel = lifecycle.decide(Stored(Outcome.PUBLISHED, T0), Stage.ENDED, T0 + timedelta(1))
    again = lifecycle.decide(
        Stored(cancel.outcome, T0 + timedelta(1)), Stage.ENDED, T0 + timedelta(2)
    )
    never = lifecycle.decide(None, Stage.ENDED, T0)

    assert cancel.action is Action.CANCEL and again.action is Action.NOTHING
    assert (never.outcome, never.action) == (Outcome.ENDED_UNPUBLISHED, Action.NOTHING)


def test_completed_first_seen_was_shipped_by_the_shop_and_is_never_demand() -> None:
    first = lifecycle.decide(None, Stage.SHIPPED_BY_SHOP, T0)
    later = lifecycle.decide(Stored(first.outcome, T0), Stage.DEMAND, T0 + timedelta(1))

    assert first.outcome is Outcome.SHIPPED_BEFORE_SEEN and first.action is Action.NOTHING
    assert later.action is Action.NOTHING


def test_completed_after_publish_keeps_the_order() -> None:
    decision = lifecycle.decide(Stored(Outcome.PUBLISHED, T0), Stage.SHIPPED_BY_SHOP, T0)
    assert (decision.outcome, decision.action) == (Outcome.PUBLISHED, Action.NOTHING)


def test_a_deleted_order_is_cancelled_only_when_it_was_published() -> None:
    assert lifecycle.deleted(Stored(Outcome.PUBLISHED, T0)).action is Action.CANCEL
    assert lifecycle.deleted(None).action is Action.NOTHING
    assert lifecycle.deleted(Stored(Outcome.ENDED_AFTER_PUBLISH, T0)).action is Action.NOTHING


# --- write-back and stock --------------------------------------------------------------


def shipped(external_id: str, *, completes: bool = True) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel="woocommerce",
        shop="woo-bottega",
        external_id=external_id,
        carrier="manual",
        carrier_company="BRT",
        tracking_number="BRT123456789",
        lots=(),
        completes_order=completes,
    )


def test_the_write_back_completes_the_order_and_notes_the_tracking_number() -> None:
    body, problem = fulfilment.payload(shipped("woo-bottega/4750"))
    partial, _ = fulfilment.payload(shipped("woo-bottega/4750", completes=False))

    assert problem is None and body["order_id"] == "4750" and body["complete"] is True
    assert body["note"] == "Shipped with BRT, tracking number BRT123456789."
    assert partial["complete"] is False


def test_a_shipment_of_no_woocommerce_order_is_born_dead() -> None:
    _, problem = fulfilment.payload(shipped("4750x"))
    assert problem is not None and "not a WooCommerce order id" in problem


def test_a_retry_finds_its_own_note() -> None:
    notes = [{"id": 9, "note": "Payment received"}, {"id": 12, "note": "… BRT123456789 …"}]

    assert fulfilment.note_already_there(notes, "Shipped.", "BRT123456789") == "12"
    assert fulfilment.note_already_there(notes[:1], "Shipped.", "BRT123456789") is None


def test_a_stock_level_is_the_product_or_its_variation() -> None:
    products = [
        {
            "id": 9100,
            "sku": "SOAP-LAV-XL",
            "type": "variation",
            "parent_id": 88,
            "manage_stock": True,
            "stock_quantity": 4,
        },
        {
            "id": 88,
            "sku": "SOAP-LAV",
            "type": "variable",
            "parent_id": 0,
            "manage_stock": False,
            "stock_quantity": None,
        },
    ]

    variation = stock.read_level(products, "SOAP-LAV-XL")
    parent = stock.read_level(products, "SOAP-LAV")

    assert (variation.path, variation.available) == ("/products/88/variations/9100", 4)
    assert (parent.path, parent.available) == ("/products/88", 0)
    with pytest.raises(Refused, match="no product or variation"):
        stock.read_level(products, "SOAP")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://shop.example.it", True),
        ("http://127.0.0.1:8080/store", True),
        ("http://shop.example.it", False),
        ("ftp://shop.example.it", False),
        ("https://shop.example.it/?x=1", False),
    ],
)
def test_keys_travel_only_over_https_or_loopback(url: str, ok: bool) -> None:
    if ok:
        assert checked_base_url(url + "/") == url
    else:
        with pytest.raises(ValueError):
            checked_base_url(url)
