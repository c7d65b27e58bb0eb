"""Etsy receipts → inbound orders, against our own fixtures shaped like real answers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.connectors.etsy import receipts
from services.connectors.etsy.lifecycle import Outcome, next_outcome, publishes
from services.connectors.etsy.receipts import InvalidEtsyReceipt, ReceiptStatus

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def mapped(sku: str) -> str | None:
    return {"CANDLE-LAV-200": "CANDLE-LAVENDER"}.get(sku)


def test_a_completed_receipt_becomes_an_inbound_order_with_exact_money_and_string_ids():
    order = receipts.to_inbound_order(
        fixture("etsy-receipt-completed.json"), shop="etsy-55501234", item_for=mapped
    )

    assert order.channel == "etsy" and order.shop == "etsy-55501234"
    assert order.external_id == "3987654321" and order.currency == "EUR"
    assert [line.external_line_id for line in order.lines] == ["4123456789012", "4123456789013"]
    assert order.lines[0].unit_price is not None
    assert order.lines[0].unit_price.amount == Decimal("18.90")
    assert order.lines[0].quantity.value == 2 and order.lines[0].quantity.unit == "pc"
    assert order.customer.shipping_address is not None
    assert order.customer.shipping_address.city == "Zagreb"
    assert order.customer.email is None and order.customer.country_code == "HR"
    assert order.placed_at is not None and order.placed_at.timestamp() == 1764000000


def test_an_empty_sku_keeps_no_item_so_orders_holds_the_order():
    order = receipts.to_inbound_order(
        fixture("etsy-receipt-completed.json"), shop="etsy-1", item_for=mapped
    )

    assert (order.lines[0].sku, order.lines[0].item_code) == ("CANDLE-LAV-200", "CANDLE-LAVENDER")
    assert (order.lines[1].sku, order.lines[1].item_code) == ("", None)


def test_every_receipt_of_a_page_reads_with_its_title_case_status():
    page = fixture("etsy-receipts-page.json")

    heads = [receipts.head(r) for r in page["results"]]

    assert [h.status for h in heads] == [ReceiptStatus.COMPLETED, ReceiptStatus.FULLY_REFUNDED]
    assert [h.updated_at for h in heads] == [1764086400, 1764090000]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Completed", ReceiptStatus.COMPLETED),
        ("paid", ReceiptStatus.PAID),
        ("Fully Refunded", ReceiptStatus.FULLY_REFUNDED),
        ("FULLY_REFUNDED", ReceiptStatus.FULLY_REFUNDED),
        ("Canceled", ReceiptStatus.CANCELED),
        ("Payment Processing", ReceiptStatus.PAYMENT_PROCESSING),
    ],
)
def test_statuses_are_read_whatever_their_case(raw: str, status: ReceiptStatus):
    assert receipts.status_of(raw) is status


def test_an_unknown_status_is_refused_by_name():
    with pytest.raises(InvalidEtsyReceipt, match="Lost In Transit"):
        receipts.status_of("Lost In Transit")


@pytest.mark.parametrize(
    ("amount", "divisor", "expected"),
    [
        (18080, 100, "180.80"),
        (1, 1000, "0.001"),
        (0, 100, "0.00"),
        (995, 1, "995"),
        (7, 8, "0.875"),
    ],
)
def test_money_is_amount_over_divisor_exactly(amount: int, divisor: int, expected: str):
    value = receipts.money({"amount": amount, "divisor": divisor, "currency_code": "USD"}, "m")

    assert value.amount == Decimal(expected) and value.currency == "USD"
    assert str(value.amount) == expected


@pytest.mark.parametrize(
    "raw",
    [
        {"amount": 10.5, "divisor": 100, "currency_code": "USD"},  # a float amount
        {"amount": 100, "divisor": 0, "currency_code": "USD"},
        {"amount": 1, "divisor": 3, "currency_code": "USD"},  # not exact
        {"amount": 100, "divisor": 100},
        22.18,  # the coupon fields are floats, never Money
    ],
)
def test_money_that_is_not_exact_integer_money_is_refused(raw: Any):
    with pytest.raises(InvalidEtsyReceipt, match="price"):
        receipts.money(raw, "price")


@given(amount=st.integers(min_value=0, max_value=10**15), places=st.integers(0, 6))
def test_money_never_loses_a_cent(amount: int, places: int):
    value = receipts.money({"amount": amount, "divisor": 10**places, "currency_code": "EUR"}, "m")

    assert value.amount * 10**places == amount


def test_a_receipt_without_transactions_is_refused_by_name():
    raw = fixture("etsy-receipt-completed.json")
    del raw["transactions"]

    with pytest.raises(InvalidEtsyReceipt, match="transactions"):
        receipts.to_inbound_order(raw, shop="etsy-1", item_for=mapped)


def head(status: str, *, paid: bool = True, shipped: bool = False) -> receipts.ReceiptHead:
    return receipts.ReceiptHead("1", receipts.status_of(status), paid, 1, is_shipped=shipped)


def test_a_receipt_shipped_before_we_saw_it_never_becomes_an_order():
    now = next_outcome(head("Completed", shipped=True), None)

    assert now is Outcome.SHIPPED_BEFORE_SEEN and not publishes(None, now)


def test_a_published_receipt_shipped_by_us_stays_published():
    assert next_outcome(head("Completed", shipped=True), Outcome.PUBLISHED) is Outcome.PUBLISHED


@pytest.mark.parametrize(
    ("status", "paid", "known", "expected", "published_now"),
    [
        ("Paid", True, None, Outcome.PUBLISHED, True),
        ("Open", False, None, Outcome.AWAITING_PAYMENT, False),
        ("Paid", True, Outcome.AWAITING_PAYMENT, Outcome.PUBLISHED, True),
        ("Completed", True, Outcome.PUBLISHED, Outcome.PUBLISHED, False),
        ("Canceled", False, None, Outcome.ENDED_UNPUBLISHED, False),
        ("Fully Refunded", True, Outcome.PUBLISHED, Outcome.ENDED_AFTER_PUBLISH, False),
        ("Paid", True, Outcome.ENDED_UNPUBLISHED, Outcome.ENDED_UNPUBLISHED, False),
        ("Completed", True, Outcome.SHIPPED_BEFORE_SEEN, Outcome.SHIPPED_BEFORE_SEEN, False),
    ],
)
def test_a_receipt_is_published_once_when_first_seen_paid(
    status: str, paid: bool, known: Outcome | None, expected: Outcome, published_now: bool
):
    now = next_outcome(head(status, paid=paid), known)

    assert now is expected
    assert publishes(known, now) is published_now
