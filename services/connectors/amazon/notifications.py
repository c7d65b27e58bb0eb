"""Amazon's ``ORDER_CHANGE`` notifications as they arrive on the SQS queue. Pure.

A notification is a trigger only: it names the seller (``SellerId``) and the order
(``AmazonOrderId``); the order itself is then read from the Orders API, the source of truth.
Nothing else in it is trusted — its ``Summary`` may already be older than the order.

The message body is the notification's JSON (Amazon's SQS destination delivers it
as is)::

    {"NotificationVersion": "1.0", "NotificationType": "ORDER_CHANGE",
     "PayloadVersion": "1.0", "EventTime": "…",
     "Payload": {"OrderChangeNotification": {"NotificationLevel": "OrderLevel",
         "SellerId": "…", "AmazonOrderId": "…", "OrderChangeType": "OrderStatusChange",
         "OrderChangeTrigger": {"TimeOfOrderChange": "…", "ChangeReason": "…"},
         "Summary": {"OrderStatus": "…", "FulfillmentType": "MFN", …}}},
     "NotificationMetadata": {"ApplicationId": "…", "SubscriptionId": "…",
         "PublishTime": "…", "NotificationId": "…"}}

Any other ``NotificationType`` is not ours to read (``Ignored``); a body that is not such
a notification is ``InvalidNotification``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ORDER_CHANGE = "ORDER_CHANGE"


class InvalidNotification(ValueError):
    """The message is not a notification we can read (names what is wrong)."""


@dataclass(frozen=True)
class Ignored:
    """A notification of another type (the queue may carry several subscriptions)."""

    notification_type: str
    notification_id: str | None


@dataclass(frozen=True)
class OrderChange:
    """Which seller's which order changed: the order is to be read again."""

    seller_id: str
    amazon_order_id: str
    change_type: str | None
    notification_id: str | None


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidNotification(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse(body: str) -> OrderChange | Ignored:
    """The SQS message body → the order to read again, or a notification to ignore."""
    try:
        message = json.loads(body)
    except ValueError as error:
        raise InvalidNotification(f"the message is not JSON: {error}") from error
    if not isinstance(message, Mapping):
        raise InvalidNotification("the message is not a JSON object")
    metadata = message.get("NotificationMetadata")
    notification_id = (
        _optional_text(metadata.get("NotificationId")) if isinstance(metadata, Mapping) else None
    )
    kind = _text(message.get("NotificationType"), "NotificationType")
    if kind != ORDER_CHANGE:
        return Ignored(kind, notification_id)
    payload = message.get("Payload")
    change = payload.get("OrderChangeNotification") if isinstance(payload, Mapping) else None
    if not isinstance(change, Mapping):
        raise InvalidNotification("Payload.OrderChangeNotification must be an object")
    return OrderChange(
        seller_id=_text(change.get("SellerId"), "OrderChangeNotification.SellerId"),
        amazon_order_id=_text(change.get("AmazonOrderId"), "OrderChangeNotification.AmazonOrderId"),
        change_type=_optional_text(change.get("OrderChangeType")),
        notification_id=notification_id,
    )
