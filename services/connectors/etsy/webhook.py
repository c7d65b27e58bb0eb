"""Etsy webhooks: signature check and the ``order.paid`` pointer. Pure.

Etsy signs deliveries the Standard Webhooks way (the Svix scheme its webhook portal runs
on): headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(space-separated ``v1,<base64>`` entries, several during a secret rotation); each is
HMAC-SHA256, keyed with the base64 part of the ``whsec_…`` signing secret, over
``"{id}.{timestamp}.{raw body}"``. A timestamp more than five minutes off is a replay.

The body is a pointer, not the order: ``{"event_type": "order.paid", "resource_url":
".../shops/{shop_id}/receipts/{receipt_id}", "shop_id": …}``. Etsy's page shows a ``data``
envelope, but deliveries are flat (etsy/open-api discussion #1564, confirmed by Etsy):
both are read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TOLERANCE_SECONDS = 300
RECEIPT_URL = re.compile(r"/shops/(?P<shop>\d+)/receipts/(?P<receipt>\d+)")


class BadWebhook(ValueError):
    """Refused delivery; ``status`` is the HTTP answer (401 signature, 400 body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return raw.encode()  # a secret that is not base64 is used as it is


def sign(body: bytes, *, secret: str, webhook_id: str, timestamp: int) -> str:
    """The ``webhook-signature`` header Etsy would send for ``body``."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    body: bytes,
    *,
    secret: str,
    webhook_id: str | None,
    timestamp: str | None,
    signature: str | None,
    now: float,
) -> None:
    """Raise ``BadWebhook(401)`` unless one ``v1`` signature matches, in constant time."""
    if not webhook_id or not timestamp or not signature:
        raise BadWebhook(401, "missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise BadWebhook(401, f"webhook-timestamp is not Unix seconds: {timestamp!r}") from error
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        raise BadWebhook(401, "webhook-timestamp is more than five minutes off: a replay?")
    expected = sign(body, secret=secret, webhook_id=webhook_id, timestamp=sent_at).encode()
    offered = [s for s in signature.split() if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, s.encode()) for s in offered):
        raise BadWebhook(401, "invalid webhook signature")


@dataclass(frozen=True)
class OrderPaid:
    shop_id: str
    receipt_id: str | None


def read_event(body: bytes) -> tuple[str, OrderPaid | None]:
    """The event type, and for ``order.paid`` the shop and receipt it points to."""
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadWebhook(400, f"malformed JSON: {error}") from error
    if not isinstance(payload, Mapping):
        raise BadWebhook(400, "the body is not a JSON object")
    inner = payload.get("data")
    data: Mapping[str, Any] = inner if isinstance(inner, Mapping) else payload
    event_type = str(payload.get("event_type") or "").lower().replace("_", ".")
    if event_type != "order.paid":
        return event_type, None
    url = str(data.get("resource_url") or "")
    match = RECEIPT_URL.search(url)
    shop = data.get("shop_id")
    shop_id = str(shop) if isinstance(shop, int) and not isinstance(shop, bool) else None
    shop_id = shop_id or (match.group("shop") if match else None)
    if shop_id is None:
        raise BadWebhook(400, "order.paid names no shop_id")
    return event_type, OrderPaid(shop_id, match.group("receipt") if match else None)
