"""Play Shopify: sign a raw webhook body and send it with the headers Shopify sends.

The connectors service verifies the HMAC over the exact bytes it receives, so a body is
never re-serialised after it is signed: ``--new-order-id`` edits the raw text in one place
only, and ``single_line_order`` writes its own bytes once, as Shopify's encoder does.
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
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

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


def encode(order: dict[str, Any]) -> bytes:
    """Compact JSON with ``/`` escaped as ``\\/``, the bytes Shopify's encoder sends."""
    return json.dumps(order, separators=(",", ":")).replace("/", "\\/").encode()


def _cents(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _money_set(amount: Decimal, currency: str) -> dict[str, Any]:
    money = {"amount": _cents(amount), "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def _tax_line(tax: dict[str, Any], amount: Decimal, currency: str) -> dict[str, Any]:
    return {**tax, "price": _cents(amount), "price_set": _money_set(amount, currency)}


def _single_line(
    template: dict[str, Any], *, sku: str, quantity: int, line_id: int, currency: str
) -> dict[str, Any]:
    """The sample's first line sold ``quantity`` times as ``sku``; taxes are included in
    the price, so each is gross × rate / (1 + rate)."""
    gross = Decimal(str(template["price"])) * quantity
    title = sku.replace("-", " ").replace("_", " ").capitalize()
    taxes = []
    for tax in template.get("tax_lines", []):
        rate = Decimal(str(tax["rate"]))
        taxes.append(_tax_line(tax, gross * rate / (1 + rate), currency))
    return {
        **template,
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "sku": sku,
        "name": title,
        "title": title,
        "quantity": quantity,
        "current_quantity": quantity,
        "fulfillable_quantity": quantity,
        "tax_lines": taxes,
    }


def _order_taxes(
    lines: list[dict[str, Any]], shipping_lines: list[dict[str, Any]], currency: str
) -> list[dict[str, Any]]:
    """The order's tax lines: one per rate, summed over the item and shipping lines."""
    by_rate: dict[Decimal, tuple[dict[str, Any], Decimal]] = {}
    for tax in [t for ln in [*lines, *shipping_lines] for t in ln.get("tax_lines", [])]:
        rate = Decimal(str(tax["rate"]))
        first, total = by_rate.get(rate, (tax, Decimal(0)))
        by_rate[rate] = (first, total + Decimal(str(tax["price"])))
    return [
        {
            "price": _cents(total),
            "rate": tax["rate"],
            "title": tax.get("title"),
            "price_set": _money_set(total, currency),
            "channel_liable": tax.get("channel_liable", False),
        }
        for rate, (tax, total) in sorted(by_rate.items(), reverse=True)
    ]


def single_line_order(
    sample: bytes, *, sku: str, quantity: int, order_id: int, line_id: int, placed_at: datetime
) -> bytes:
    """A fresh ``orders/create`` body: the sample order with one line of ``quantity`` ×
    ``sku`` (priced as the sample's first line), new ids, and totals and taxes that add up."""
    if quantity < 1:
        raise ValueError(f"the quantity must be at least 1, not {quantity}")
    order: dict[str, Any] = json.loads(sample)
    currency = str(order["currency"])
    line = _single_line(
        order["line_items"][0], sku=sku, quantity=quantity, line_id=line_id, currency=currency
    )
    shipping_lines = order.get("shipping_lines", [])
    tax_lines = _order_taxes([line], shipping_lines, currency)
    gross = Decimal(str(line["price"])) * quantity
    shipping = sum((Decimal(str(s["price"])) for s in shipping_lines), Decimal(0))
    total_tax = sum((Decimal(t["price"]) for t in tax_lines), Decimal(0))
    order_number = 1000 + 1 + order_id % 100_000
    timestamp = placed_at.astimezone(UTC).isoformat(timespec="seconds")
    order.update(
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{order_number}",
        number=order_number - 1000,
        order_number=order_number,
        created_at=timestamp,
        processed_at=timestamp,
        updated_at=timestamp,
        line_items=[line],
        tax_lines=tax_lines,
        total_weight=int(line.get("grams", 0)) * quantity,
    )
    for key, amount in (
        ("subtotal_price", gross),
        ("current_subtotal_price", gross),
        ("total_line_items_price", gross),
        ("total_price", gross + shipping),
        ("current_total_price", gross + shipping),
        ("total_tax", total_tax),
        ("current_total_tax", total_tax),
    ):
        order[key] = _cents(amount)
        if f"{key}_set" in order:
            order[f"{key}_set"] = _money_set(amount, currency)
    return encode(order)
