"""The signature of an outbound webhook, as Stripe and Shopify sign theirs. Pure.

``Lotline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the
subscription's secret. The timestamp is inside the signed text, so a receiver that rejects
old timestamps also rejects a replayed request; the body is signed byte for byte as sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Lotline-Signature"
DELIVERY_HEADER = "Lotline-Delivery-Id"
EVENT_TYPE_HEADER = "Lotline-Event-Type"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh per-subscription secret (256 random bits), shown once at creation."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Lotline-Signature`` header's value."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, value: str | None, body: bytes, *, now: int, tolerance_seconds: int = 300
) -> bool:
    """What a receiver does: True when ``value`` carries a ``v1`` signature of ``body`` with
    ``secret`` and its timestamp is within ``tolerance_seconds`` of ``now``."""
    if not value:
        return False
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        key, _, val = item.strip().partition("=")
        parts.setdefault(key, []).append(val)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
