"""Play Shopify: sign a raw webhook body and send it with the headers Shopify sends.

The connectors service verifies the HMAC over the exact bytes it receives, so the body is
never re-serialised here: ``--new-order-id`` edits the raw text in one place only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import UTC, datetime
from importlib import resources

API_VERSION = "2025-01"
SAMPLE_ORDER = "shopify-orders-create.json"
_FIRST_ID = re.compile(rb'"id"(\s*:\s*)(-?\d+)')


def sign(body: bytes, secret: str) -> str:
    """What Shopify puts in ``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sample_order() -> bytes:
    """The bundled ``orders/create`` payload (lines use the demo SKUs)."""
    return (resources.files("services.cli") / "samples" / SAMPLE_ORDER).read_bytes()


def random_order_id() -> int:
    """A fresh positive 64-bit id above 2**53, so lossy float parsing would show."""
    return 2**53 + 1 + secrets.randbelow(2**63 - 2**53 - 1)


def order_id_of(body: bytes) -> int | None:
    """The top-level ``id`` of a JSON order body, or None when there is none."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    order_id = data.get("id") if isinstance(data, dict) else None
    return order_id if isinstance(order_id, int) and not isinstance(order_id, bool) else None


def replace_order_id(body: bytes, new_id: int) -> bytes:
    """``body`` with the number after its first ``"id":`` replaced; every other byte kept.

    Raises ValueError when that first ``"id"`` is not the order's top-level id.
    """
    match = _FIRST_ID.search(body)
    if match is None:
        raise ValueError('the body has no numeric "id" to replace')
    replaced = body[: match.start(2)] + str(new_id).encode() + body[match.end(2) :]
    if order_id_of(replaced) != new_id:
        raise ValueError('the first "id" in the body is not the order\'s top-level id')
    return replaced


def webhook_headers(
    body: bytes, *, shop: str, secret: str, topic: str, webhook_id: str
) -> dict[str, str]:
    """The headers of one Shopify delivery of ``body``; a fresh event id each time."""
    triggered_at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-API-Version": API_VERSION,
        "X-Shopify-Triggered-At": triggered_at,
    }
