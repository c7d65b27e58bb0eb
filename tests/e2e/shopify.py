"""Building and signing Shopify webhook deliveries the way Shopify sends them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from typing import Any

import httpx


def shopify_id() -> int:
    """A 64-bit id above 2**53, like Shopify's."""
    return random.randint(2**60, 2**63 - 1)


def order_body(
    lines: list[tuple[str, int]],
    *,
    order_id: int | None = None,
    customer: tuple[str, str, str] = ("Anna", "Rossi", "anna.rossi@example.org"),
) -> bytes:
    """Compact JSON with ``/`` escaped as ``\\/``, as Shopify's encoder writes it;
    ``customer`` is (first name, last name, e-mail)."""
    oid = order_id or shopify_id()
    first, last, email = customer
    order: dict[str, Any] = {
        "id": oid,
        "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
        "name": f"#{oid % 10000}",
        "email": email,
        "created_at": "2026-11-24T09:30:00+01:00",
        "currency": "EUR",
        "customer_locale": "it",
        "customer": {"id": shopify_id(), "first_name": first, "last_name": last},
        "shipping_address": {"name": f"{first} {last}", "city": "Torino", "country_code": "IT"},
        "line_items": [
            {
                "id": shopify_id(),
                "sku": sku,
                "title": sku.title(),
                "quantity": qty,
                "price": "9.90",
                "variant_id": shopify_id(),
            }
            for sku, qty in lines
        ],
    }
    return json.dumps(order, separators=(",", ":")).replace("/", "\\/").encode()


def headers(
    body: bytes,
    *,
    shop: str,
    secret: str,
    webhook_id: str | None = None,
    topic: str = "orders/create",
) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
    }


async def post(client: httpx.AsyncClient, body: bytes, hdrs: dict[str, str]) -> httpx.Response:
    return await client.post("/webhooks/shopify", content=body, headers=hdrs)
