"""ORDER_CHANGE notifications read from the SQS message body: the seller and the order
to read again, nothing trusted beyond that."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.connectors.amazon.notifications import (
    Ignored,
    InvalidNotification,
    OrderChange,
    parse,
)
from tests.fakes.amazon import order, order_item
from tests.fakes.amazon_sqs import order_change


def amazon_order() -> dict[str, Any]:
    items = [order_item("SOAP-1", 1, "4.50")]
    return order("302-1234567-7654321", items, status="Unshipped")


def test_an_order_change_names_the_seller_and_the_order() -> None:
    body = order_change("A2EUQ1WTGCTBG2", amazon_order(), notification_id="n-1")

    assert parse(body) == OrderChange(
        seller_id="A2EUQ1WTGCTBG2",
        amazon_order_id="302-1234567-7654321",
        change_type="OrderStatusChange",
        notification_id="n-1",
    )


def test_a_buyer_requested_change_is_an_order_change_too() -> None:
    body = order_change("A2EUQ1WTGCTBG2", amazon_order(), change_type="BuyerRequestedChange")

    parsed = parse(body)

    assert isinstance(parsed, OrderChange) and parsed.change_type == "BuyerRequestedChange"


def test_another_notification_type_is_ignored_not_refused() -> None:
    body = json.dumps(
        {
            "NotificationType": "ANY_OFFER_CHANGED",
            "Payload": {},
            "NotificationMetadata": {"NotificationId": "n-2"},
        }
    )

    assert parse(body) == Ignored("ANY_OFFER_CHANGED", "n-2")


def test_the_summary_is_not_needed_only_the_ids() -> None:
    body = json.loads(order_change("A2EUQ1WTGCTBG2", amazon_order()))
    del body["Payload"]["OrderChangeNotification"]["Summary"]
    del body["NotificationMetadata"]

    parsed = parse(json.dumps(body))

    assert isinstance(parsed, OrderChange) and parsed.notification_id is None


def _without(path: list[str]) -> str:
    body = json.loads(order_change("A2EUQ1WTGCTBG2", amazon_order()))
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return json.dumps(body)


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"Payload": {}}', "NotificationType"),
        ('{"NotificationType": "ORDER_CHANGE", "Payload": {}}', "OrderChangeNotification"),
        (_without(["Payload", "OrderChangeNotification", "SellerId"]), "SellerId"),
        (_without(["Payload", "OrderChangeNotification", "AmazonOrderId"]), "AmazonOrderId"),
    ],
)
def test_a_message_that_is_not_a_readable_notification_says_why(body: str, names: str) -> None:
    with pytest.raises(InvalidNotification, match=names):
        parse(body)


def test_a_blank_order_id_is_refused() -> None:
    body = json.loads(order_change("A2EUQ1WTGCTBG2", amazon_order()))
    body["Payload"]["OrderChangeNotification"]["AmazonOrderId"] = "  "

    with pytest.raises(InvalidNotification, match="AmazonOrderId"):
        parse(json.dumps(body))
