"""A WooCommerce webhook delivery: its headers and body read into what intake needs. Pure.

WooCommerce sends ``X-WC-Webhook-Source`` (the site URL), ``-Topic`` (``order.created``),
``-Resource`` (``order``), ``-Event`` (``created``), ``-Signature``, ``-ID`` (the webhook's
id in the store) and ``-Delivery-ID`` (one per delivery attempt's payload). The body of
``order.created`` / ``order.updated`` is the whole order as the REST API v3 shows it; that of
``order.deleted`` is ``{"id": …}`` only. When a webhook is saved WooCommerce pings its URL
with the form body ``webhook_id=<id>`` and no topic: answered 200 and otherwise ignored, so
the store does not count it as a failed delivery.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.connectors.woocommerce import signature

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.deleted"})
HEADERS = (
    "x-wc-webhook-topic",
    "x-wc-webhook-resource",
    "x-wc-webhook-event",
    "x-wc-webhook-signature",
    "x-wc-webhook-id",
    "x-wc-webhook-delivery-id",
    "x-wc-webhook-source",
)


class BadWebhook(ValueError):
    """Refused delivery; ``status`` is the HTTP answer (401 signature, 400 body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    topic: str | None
    resource: str | None
    event: str | None
    signature: str | None
    webhook_id: str | None
    delivery_id: str | None
    source: str | None
    body: bytes

    @classmethod
    def of(cls, headers: Mapping[str, str | None], body: bytes) -> Delivery:
        def get(name: str) -> str | None:
            value = headers.get(name)
            return value.strip() or None if isinstance(value, str) else None

        return cls(
            topic=get("x-wc-webhook-topic"),
            resource=get("x-wc-webhook-resource"),
            event=get("x-wc-webhook-event"),
            signature=get("x-wc-webhook-signature"),
            webhook_id=get("x-wc-webhook-id"),
            delivery_id=get("x-wc-webhook-delivery-id"),
            source=get("x-wc-webhook-source"),
            body=body,
        )

    @property
    def is_ping(self) -> bool:
        return self.topic is None and self.body.lstrip().startswith(b"webhook_id=")

    @property
    def topic_name(self) -> str:
        """The topic: the header, else ``resource.event``."""
        if self.topic:
            return self.topic.lower()
        return f"{self.resource or ''}.{self.event or ''}".lower()


def verify(delivery: Delivery, secret: str) -> None:
    """401 unless the signature matches the raw body, in constant time."""
    if not signature.verify(delivery.body, secret, delivery.signature):
        raise BadWebhook(401, "invalid X-WC-Webhook-Signature")


def dedupe_key(delivery: Delivery, order: Mapping[str, Any]) -> str:
    """The delivery id when WooCommerce sent one, else the order and its modification."""
    if delivery.delivery_id:
        return delivery.delivery_id
    modified = order.get("date_modified_gmt") or ""
    return f"{delivery.topic_name}:{order.get('id')}:{modified}"


def read_body(delivery: Delivery) -> dict[str, Any]:
    """The order JSON of an order topic (400 when it is not an object with an ``id``)."""
    try:
        payload: Any = json.loads(delivery.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadWebhook(400, f"malformed JSON: {error}") from error
    if not isinstance(payload, dict):
        raise BadWebhook(400, "the body is not a JSON object")
    order_id = payload.get("id")
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        raise BadWebhook(400, f"the order's id must be an integer, got {order_id!r}")
    return payload
