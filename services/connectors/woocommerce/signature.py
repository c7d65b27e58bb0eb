"""WooCommerce webhook signatures: ``X-WC-Webhook-Signature`` is base64(HMAC-SHA256(secret,
raw body)), the secret being the one typed into the webhook in WooCommerce's settings."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(body: bytes, secret: str) -> str:
    """What WooCommerce puts in ``X-WC-Webhook-Signature`` for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Constant-time check over the bytes as received (never re-serialised JSON)."""
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())
