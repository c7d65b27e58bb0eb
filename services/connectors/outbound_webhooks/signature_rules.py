"""The signature of an outbound webhook, as Stripe and Shopify sign theirs. Pure.

``Lotline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the
subscription's secret. The timestamp is inside the signed text, so a receiver that rejects
old timestamps also rejects a replayed request; the body is signed byte for byte as sent.

After a rotation the header carries one ``v1`` per secret, newest first, as Stripe does
(``t=…,v1=<new>,v1=<previous>``), until the previous secret's grace period ends: a receiver
that checks any ``v1`` accepts either secret meanwhile, so it can switch when it likes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

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
    """The ``Lotline-Signature`` header's value under one secret."""
    return signed_header((secret,), timestamp, body)


def signed_header(secrets_newest_first: Sequence[str], timestamp: int, body: bytes) -> str:
    """The ``Lotline-Signature`` header's value: one ``v1`` per secret, in the order given
    (newest first), all over the same timestamp and body."""
    if not secrets_newest_first:
        raise ValueError("a delivery is signed with at least one secret")
    signed = ",".join(f"v1={signature(s, timestamp, body)}" for s in secrets_newest_first)
    return f"t={timestamp},{signed}"


def signing_secrets(
    secret: str, previous: str | None, previous_until: datetime | None, *, now: datetime
) -> tuple[str, ...]:
    """The secrets a delivery is signed with at ``now``: the current one, and the one a
    rotation replaced while its grace period lasts (``now`` before ``previous_until``)."""
    if previous and previous_until is not None and now < previous_until and previous != secret:
        return (secret, previous)
    return (secret,)


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
