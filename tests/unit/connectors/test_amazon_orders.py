"""Amazon Orders v0 JSON → Lotline: money kept exactly, statuses mapped exactly, what each
order means given what was done with it before. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from services.connectors.amazon import orders
from services.connectors.amazon.lifecycle import (
    Outcome,
    cancels,
    is_sold,
    needs_items,
    next_outcome,
    publishes,
)
from services.connectors.amazon.orders import FulfillmentChannel, OrderStatus
from services.connectors.amazon.poller import is_older, is_stale, since
from tests.fakes.amazon import money, order, order_item

ORDER_ID = "302-1234567-7654321"


def head(status: str = "Unshipped", channel: str = "MFN") -> orders.OrderHead:
    return orders.head(
        order(
            ORDER_ID, [order_item("CANDLE", 1, "9.90")], status=status, fulfillment_channel=channel
        )
    )


def test_money_is_read_from_the_string_exactly() -> None:
    read = orders.money(money("12.90", "EUR"), "OrderTotal")
    assert (read.amount, read.currency) == (Decimal("12.90"), "EUR")
    assert (
        str(orders.money(money("0.10"), "x").amount + orders.money(money("0.20"), "x").amount)
        == "0.30"
    )


@pytest.mark.parametrize(
    "raw",
    [
        {"CurrencyCode": "EUR", "Amount": 12.9},
        {"CurrencyCode": "EURO", "Amount": "1"},
        {"Amount": "1"},
        {"CurrencyCode": "EUR", "Amount": "NaN"},
        {"CurrencyCode": "EUR", "Amount": "twelve"},
    ],
)
def test_money_that_is_not_amazon_money_is_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(orders.InvalidAmazonOrder):
        orders.money(raw, "OrderTotal")


def test_an_order_becomes_an_inbound_order_with_exact_lines_and_mapped_skus() -> None:
    items = [
        order_item("CANDLE-RED", 3, "38.70", item_id="11111111111111"),
        order_item("UNMAPPED", 3, "10.00", item_id="22222222222222"),
    ]
    items[0]["PromotionDiscount"] = money("3.87")
    raw = order(ORDER_ID, items, currency="EUR")

    inbound = orders.to_inbound_order(
        raw, items, shop="amazon-A1", item_for={"CANDLE-RED": "CANDLE-RED-200"}.get
    )

    assert (inbound.channel, inbound.shop, inbound.external_id) == ("amazon", "amazon-A1", ORDER_ID)
    red, other = inbound.lines
    assert (red.external_line_id, red.sku, red.item_code) == (
        "11111111111111",
        "CANDLE-RED",
        "CANDLE-RED-200",
    )
    assert red.unit_price is not None and red.unit_price.amount == Decimal("12.90")
    assert red.gross is not None and red.gross.amount == Decimal("38.70")
    assert red.net is not None and red.net.amount == Decimal("34.83")
    assert other.item_code is None  # orders puts it on hold: unknown SKU
    assert other.unit_price is None  # 10.00 for 3 has no exact unit price; the line keeps 10.00
    assert inbound.totals is not None and inbound.totals.total is not None
    assert inbound.totals.total.amount == Decimal("48.70") and inbound.currency == "EUR"
    assert inbound.customer.name is None  # buyer PII is restricted data: not fetched


def test_the_buyers_cancellation_request_is_read_from_the_items() -> None:
    asked = [
        order_item("A", 1, "1.00"),
        order_item("B", 1, "1.00", cancel_reason="Ordered by mistake"),
    ]
    assert orders.buyer_cancel_reason(asked) == "Ordered by mistake"
    assert orders.buyer_cancel_reason([order_item("A", 1, "1.00")]) is None
    bare = order_item("A", 1, "1.00")
    bare["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true"}
    assert orders.buyer_cancel_reason([bare]) == "no reason given"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("Pending", Outcome.PENDING),
        ("PendingAvailability", Outcome.PENDING),
        ("Unshipped", Outcome.PUBLISHED),
        ("PartiallyShipped", Outcome.PUBLISHED),
        ("Shipped", Outcome.SHIPPED_BEFORE_SEEN),
        ("InvoiceUnconfirmed", Outcome.SHIPPED_BEFORE_SEEN),
        ("Canceled", Outcome.CANCELLED_UNPUBLISHED),
        ("Unfulfillable", Outcome.CANCELLED_UNPUBLISHED),
    ],
)
def test_a_new_merchant_fulfilled_order_by_status(status: str, outcome: Outcome) -> None:
    assert next_outcome(head(status), None, cancel_requested=False) is outcome


def test_pending_is_not_demand_until_unshipped() -> None:
    pending = next_outcome(head("Pending"), None, cancel_requested=False)
    assert not publishes(None, pending) and not needs_items(head("Pending"), None)
    assert needs_items(head("Unshipped"), pending)
    now = next_outcome(head("Unshipped"), pending, cancel_requested=False)
    assert publishes(pending, now)


def test_a_published_order_is_published_once_and_cancelled_once() -> None:
    again = next_outcome(head("Unshipped"), Outcome.PUBLISHED, cancel_requested=False)
    assert again is Outcome.PUBLISHED and not publishes(Outcome.PUBLISHED, again)
    assert not needs_items(head("Unshipped"), Outcome.PUBLISHED)
    shipped = next_outcome(head("Shipped"), Outcome.PUBLISHED, cancel_requested=False)
    assert shipped is Outcome.PUBLISHED  # shipped: no new demand
    cancelled = next_outcome(head("Canceled"), Outcome.PUBLISHED, cancel_requested=False)
    assert cancelled is Outcome.CANCELLED_AFTER_PUBLISH and cancels(Outcome.PUBLISHED, cancelled)
    later = next_outcome(head("Canceled"), cancelled, cancel_requested=False)
    assert later is cancelled and not cancels(cancelled, later)


def test_an_amazon_fulfilled_order_is_an_fba_sale_never_demand() -> None:
    for status in ("Pending", "Unshipped", "Shipped"):
        fba = head(status, channel="AFN")
        assert fba.fulfillment_channel is FulfillmentChannel.AMAZON
        assert next_outcome(fba, None, cancel_requested=False) is Outcome.FBA_SALE
        assert not needs_items(fba, None)
    assert (
        next_outcome(head("Unshipped", "AFN"), Outcome.FBA_SALE, cancel_requested=False)
        is Outcome.FBA_SALE
    )


def test_a_cancellation_request_keeps_the_order_aside_until_amazon_decides() -> None:
    asked = next_outcome(head("Unshipped"), None, cancel_requested=True)
    assert asked is Outcome.CANCEL_REQUESTED and not publishes(None, asked)
    assert (
        next_outcome(head("Canceled"), asked, cancel_requested=False)
        is Outcome.CANCELLED_UNPUBLISHED
    )
    declined = next_outcome(head("Unshipped"), asked, cancel_requested=False)
    assert publishes(asked, declined)


def test_statuses_and_channels_outside_the_model_are_refused() -> None:
    raw = order(ORDER_ID, [order_item("A", 1, "1.00")], status="Lost")
    with pytest.raises(orders.InvalidAmazonOrder, match="OrderStatus"):
        orders.head(raw)
    raw = order(ORDER_ID, [order_item("A", 1, "1.00")], fulfillment_channel="XFN")
    with pytest.raises(orders.InvalidAmazonOrder, match="FulfillmentChannel"):
        orders.head(raw)
    assert {s.value for s in OrderStatus} >= {
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "Canceled",
    }


def test_an_older_update_is_ignored_and_the_poll_overlaps() -> None:
    newer = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert is_older(newer - timedelta(seconds=1), newer) and not is_older(newer, newer)
    assert since(newer, overlap=900, lookback=0, now=newer) == newer - timedelta(minutes=15)
    assert since(None, overlap=900, lookback=3600, now=newer) == newer - timedelta(hours=1)
    assert orders.timestamp("2026-12-01T10:00:00Z", "x") == newer


def test_an_unreadable_rows_date_never_makes_a_readable_answer_stale() -> None:
    answer = head("Unshipped")
    later = answer.last_update_date + timedelta(hours=1)
    assert is_stale(answer, SimpleNamespace(outcome="published", last_update_date=later))
    assert not is_stale(answer, SimpleNamespace(outcome="unreadable", last_update_date=later))
    assert not is_stale(answer, None)


@pytest.mark.parametrize(
    ("status", "sold"),
    [
        ("Pending", False),
        ("PendingAvailability", False),
        ("Unshipped", True),
        ("PartiallyShipped", True),
        ("Shipped", True),
        ("InvoiceUnconfirmed", True),
        ("Canceled", False),
        ("Unfulfillable", False),
    ],
)
def test_an_fba_order_counts_as_sold_once_paid_and_until_cancelled(status: str, sold: bool) -> None:
    assert is_sold(status) is sold
