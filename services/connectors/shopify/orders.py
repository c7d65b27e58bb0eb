"""Shopify REST order JSON → Lotline's normalised inbound order. Pure.

Ids are 64-bit: Python's json keeps them exact as int; we carry them as strings.
Prices are decimal strings; they are parsed as Decimal, never float, in the shop's currency
(``*_set.shop_money`` when present). A line without a SKU carries its variant (else product)
id as its mapping key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.contracts.connectors import (
    Address,
    Customer,
    InboundOrderLine,
    InboundOrderReceived,
    OrderTotals,
)
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


def mapping_key(raw: Mapping[str, Any]) -> str | None:
    """What a line without a SKU is mapped by: its variant, else its product (ids as text)."""
    for field, prefix in (("variant_id", "variant"), ("product_id", "product")):
        value = raw.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{prefix}:{value}"
    return None


def _shop_amount(raw: Mapping[str, Any], key: str) -> Any:
    """The shop-currency amount of ``key`` (``<key>_set.shop_money`` wins over the bare one)."""
    money_set = raw.get(f"{key}_set")
    if isinstance(money_set, dict) and isinstance(money_set.get("shop_money"), dict):
        return money_set["shop_money"].get("amount")
    return raw.get(key)


def _discount(raw: Mapping[str, Any], currency: str | None, where: str) -> Money | None:
    """The discounts Shopify allocated to the line (``total_discount`` stays 0.00 for them)."""
    allocations = raw.get("discount_allocations") or []
    if currency is None or not isinstance(allocations, list):
        return None
    total = Money(amount=Decimal("0.00"), currency=currency)
    for index, allocation in enumerate(allocations):
        if not isinstance(allocation, dict):
            raise InvalidShopifyOrder(f"{where}.discount_allocations[{index}] is not an object")
        part = _money(
            _shop_amount(allocation, "amount"), currency, f"{where}.discount_allocations[{index}]"
        )
        if part is not None:
            total = Money(amount=total.amount + part.amount, currency=currency)
    return total


def _line(
    raw: Mapping[str, Any], currency: str | None, item_for: Callable[[str], str | None], index: int
) -> InboundOrderLine:
    where = f"line_items[{index}]"
    quantity = _required(raw, "quantity", where)
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidShopifyOrder(f"{where}.quantity must be an integer, got {quantity!r}")
    sku = (raw.get("sku") or "").strip()
    key = sku or mapping_key(raw)
    price = _money(_shop_amount(raw, "price"), currency, f"{where}.price")
    gross = discount = net = None
    if price is not None:
        gross = Money(amount=price.amount * quantity, currency=price.currency)
        discount = _discount(raw, currency, where)
    if gross is not None and discount is not None:
        net = Money(amount=gross.amount - discount.amount, currency=gross.currency)
    return InboundOrderLine(
        external_line_id=str(_required(raw, "id", where)),
        sku=sku,
        mapping_key=None if sku else key,
        item_code=item_for(key) if key else None,
        title=raw.get("title") or raw.get("name"),
        quantity=Quantity.of(quantity, "pc"),
        unit_price=price,
        gross=gross,
        discount=discount,
        net=net,
    )


def _totals(order: Mapping[str, Any], currency: str | None) -> OrderTotals | None:
    """The order's money as Shopify reported it when the order was placed."""
    if currency is None:
        return None
    shipping = _shop_amount(order, "total_shipping_price")
    if shipping is None and isinstance(order.get("shipping_lines"), list):
        prices = [Decimal(str(_shop_amount(ln, "price") or 0)) for ln in order["shipping_lines"]]
        shipping = sum(prices, Decimal("0.00"))
    return OrderTotals(
        subtotal=_money(_shop_amount(order, "subtotal_price"), currency, "order.subtotal_price"),
        discounts=_money(_shop_amount(order, "total_discounts"), currency, "order.total_discounts"),
        shipping=_money(shipping, currency, "order.total_shipping_price_set"),
        tax=_money(_shop_amount(order, "total_tax"), currency, "order.total_tax"),
        total=_money(_shop_amount(order, "total_price"), currency, "order.total_price"),
    )


def to_inbound_order(
    order: Any, *, shop: str, item_for: Callable[[str], str | None]
) -> InboundOrderReceived:
    """Normalise an ``orders/create`` payload; ``item_for(key)`` is the shop's mapping of a
    SKU (or, for a line without one, of ``variant:<id>`` / ``product:<id>``)."""
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
        totals=_totals(order, currency),
        test=order.get("test") is True,
        shipping_service=_shipping_service(order),
    )


def _shipping_service(order: Mapping[str, Any]) -> str | None:
    """The carrier service the customer chose: the first shipping line's code (a shop's own
    rates often leave it null), else its title."""
    shipping = order.get("shipping_lines")
    if not isinstance(shipping, list) or not shipping or not isinstance(shipping[0], dict):
        return None
    chosen = shipping[0].get("code") or shipping[0].get("title")
    return str(chosen) if chosen else None
