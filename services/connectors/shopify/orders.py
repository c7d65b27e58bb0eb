"""Shopify REST order JSON → Lotline's normalised inbound order. Pure.

Ids are 64-bit: Python's json keeps them exact as int; we carry them as strings.
Prices are decimal strings; they are parsed as Decimal, never float.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.contracts.connectors import Address, Customer, InboundOrderLine, InboundOrderReceived
from shared.units import Money, Quantity

CHANNEL = "shopify"


class InvalidShopifyOrder(ValueError):
    """The payload is JSON but not an order we can read (names the field at fault)."""


def _required(data: Mapping[str, Any], key: str, where: str = "order") -> Any:
    if key not in data or data[key] is None:
        raise InvalidShopifyOrder(f"{where}.{key} is missing")
    return data[key]


def _money(amount: Any, currency: str | None, where: str) -> Money | None:
    if amount is None or currency is None:
        return None
    try:
        return Money(amount=Decimal(str(amount)), currency=currency)
    except (InvalidOperation, ValueError) as error:
        raise InvalidShopifyOrder(f"{where} is not a decimal amount: {amount!r}") from error


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidShopifyOrder(f"not an ISO timestamp: {value!r}") from error


def _customer(order: Mapping[str, Any]) -> Customer:
    customer = order.get("customer") or {}
    names = [customer.get("first_name"), customer.get("last_name")]
    name = " ".join(n for n in names if n) or None
    address = order.get("shipping_address") or order.get("billing_address") or {}
    return Customer(
        name=name or address.get("name"),
        email=order.get("email") or order.get("contact_email") or customer.get("email"),
        locale=order.get("customer_locale"),
        country_code=address.get("country_code"),
        shipping_address=_address(order.get("shipping_address")),
    )


def _address(raw: Any) -> Address | None:
    """Shopify's shipping address, as a carrier needs it (absent for pickup orders)."""
    if not isinstance(raw, dict):
        return None
    return Address(
        name=raw.get("name"),
        company=raw.get("company"),
        address1=raw.get("address1"),
        address2=raw.get("address2"),
        city=raw.get("city"),
        postal_code=raw.get("zip"),
        province=raw.get("province_code") or raw.get("province"),
        country_code=raw.get("country_code"),
        phone=raw.get("phone"),
    )


def _line(
    raw: Mapping[str, Any], currency: str | None, item_for: Callable[[str], str | None], index: int
) -> InboundOrderLine:
    where = f"line_items[{index}]"
    quantity = _required(raw, "quantity", where)
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidShopifyOrder(f"{where}.quantity must be an integer, got {quantity!r}")
    sku = (raw.get("sku") or "").strip()
    return InboundOrderLine(
        external_line_id=str(_required(raw, "id", where)),
        sku=sku,
        item_code=item_for(sku) if sku else None,
        title=raw.get("title") or raw.get("name"),
        quantity=Quantity.of(quantity, "pc"),
        unit_price=_money(raw.get("price"), currency, f"{where}.price"),
    )


def to_inbound_order(
    order: Any, *, shop: str, item_for: Callable[[str], str | None]
) -> InboundOrderReceived:
    """Normalise an ``orders/create`` payload; ``item_for(sku)`` is the shop's SKU mapping."""
    if not isinstance(order, dict):
        raise InvalidShopifyOrder("the body is not a JSON object")
    order_id = _required(order, "id")
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        raise InvalidShopifyOrder(f"order.id must be an integer, got {order_id!r}")
    lines = order.get("line_items")
    if not isinstance(lines, list):
        raise InvalidShopifyOrder("order.line_items is missing")
    currency = order.get("currency")
    return InboundOrderReceived(
        channel=CHANNEL,
        shop=shop,
        external_id=str(order_id),
        external_number=str(order.get("name") or order.get("order_number") or "") or None,
        placed_at=_timestamp(order.get("created_at")),
        currency=currency,
        customer=_customer(order),
        lines=tuple(_line(raw, currency, item_for, i) for i, raw in enumerate(lines)),
    )
