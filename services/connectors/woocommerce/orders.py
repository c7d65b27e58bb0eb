"""WooCommerce REST v3 order JSON → what Lotline needs of it. Pure.

The same order object arrives in a webhook body and in ``GET /wp-json/wc/v3/orders``, so one
reader serves both. WooCommerce facts handled here:

- ``date_modified_gmt`` / ``date_created_gmt`` are ISO timestamps without a zone, in UTC
  (``date_modified`` is the site's local time and is not read); one-second resolution;
- money is a decimal string (``"12.90"``), read as an exact Decimal in the order's
  ``currency``; a line's ``price`` is a JSON number (``12.9``), so a line's amounts are read
  from its ``subtotal`` (before coupons) and ``total`` (after coupons) strings instead, and
  the unit price is the subtotal divided by the quantity when that is exact;
- a variation carries its own ``sku`` (and ``variation_id``); a line without a SKU is mapped
  by ``variation:<id>`` (else ``product:<id>``);
- statuses: ``pending`` (awaiting payment), ``on-hold`` (awaiting a manual payment),
  ``checkout-draft`` (a block checkout in progress) are not demand yet; ``processing`` (paid)
  is; ``cancelled``, ``refunded``, ``failed`` (and ``trash``) end it; ``completed`` means
  the shop shipped it itself. A status a plugin added is held as not-demand-yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from enum import StrEnum
from typing import Any

from shared.contracts.connectors import (
    Address,
    Customer,
    InboundOrderLine,
    InboundOrderReceived,
    OrderTotals,
)
from shared.units import Money, Quantity

CHANNEL = "woocommerce"


class InvalidWooOrder(ValueError):
    """The JSON is not an order we can read (names the field at fault)."""


class Stage(StrEnum):
    """What a WooCommerce status means for Lotline."""

    NOT_YET = "not_yet"  # pending, on-hold, checkout-draft, or a status we do not know
    DEMAND = "demand"  # processing: paid, to be made and shipped
    ENDED = "ended"  # cancelled, refunded, failed, trash
    SHIPPED_BY_SHOP = "shipped_by_shop"  # completed


STAGES: Mapping[str, Stage] = {
    "pending": Stage.NOT_YET,
    "on-hold": Stage.NOT_YET,
    "checkout-draft": Stage.NOT_YET,
    "processing": Stage.DEMAND,
    "cancelled": Stage.ENDED,
    "refunded": Stage.ENDED,
    "failed": Stage.ENDED,
    "trash": Stage.ENDED,
    "completed": Stage.SHIPPED_BY_SHOP,
}


def stage_of(status: str) -> Stage:
    """``wc-processing`` (the stored post status) and ``processing`` are one status."""
    return STAGES.get(status.strip().lower().removeprefix("wc-"), Stage.NOT_YET)


def external_id(shop: str, order_id: int | str) -> str:
    """Lotline's external id of a store's order: WooCommerce numbers orders per store, so
    the store's shop name is part of it (``woo-bakery/4750``)."""
    return f"{shop}/{order_id}"


def order_id_of(external: str) -> str | None:
    """The WooCommerce order id inside an external id; None when it holds none."""
    _, _, order_id = external.rpartition("/")
    return order_id if order_id.isdigit() else None


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidWooOrder(f"{where} must be an integer, got {value!r}")
    return value


def gmt(value: Any, where: str) -> datetime:
    """A ``*_gmt`` timestamp (no zone, UTC) as an aware datetime."""
    if not isinstance(value, str) or not value:
        raise InvalidWooOrder(f"{where} must be an ISO timestamp, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidWooOrder(f"{where} is not an ISO timestamp: {value!r}") from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def amount(value: Any, currency: str, where: str) -> Money:
    """A decimal string kept exactly (``"12.90"`` stays 12.90)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidWooOrder(f"{where} must be a decimal string, got {value!r}")
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise InvalidWooOrder(f"{where} is not a decimal amount: {value!r}") from error
    if not parsed.is_finite():
        raise InvalidWooOrder(f"{where} is not a finite amount: {value!r}")
    return Money(amount=parsed, currency=currency)


@dataclass(frozen=True)
class OrderHead:
    """What intake decides on: the order, its status and when it last changed."""

    order_id: str
    status: str
    stage: Stage
    modified_at: datetime


def head(order: Any) -> OrderHead:
    if not isinstance(order, Mapping):
        raise InvalidWooOrder("an order must be a JSON object")
    order_id = _integer(order.get("id"), "order.id")
    status = order.get("status")
    if not isinstance(status, str) or not status:
        raise InvalidWooOrder(f"order {order_id}.status must be a string, got {status!r}")
    modified = order.get("date_modified_gmt") or order.get("date_created_gmt")
    return OrderHead(
        order_id=str(order_id),
        status=status,
        stage=stage_of(status),
        modified_at=gmt(modified, f"order {order_id}.date_modified_gmt"),
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _address(raw: Any) -> Address | None:
    if not isinstance(raw, Mapping) or not _text(raw.get("address_1")):
        return None
    names = [_text(raw.get("first_name")), _text(raw.get("last_name"))]
    return Address(
        name=" ".join(n for n in names if n) or None,
        company=_text(raw.get("company")),
        address1=_text(raw.get("address_1")),
        address2=_text(raw.get("address_2")),
        city=_text(raw.get("city")),
        postal_code=_text(raw.get("postcode")),
        province=_text(raw.get("state")),
        country_code=_text(raw.get("country")),
        phone=_text(raw.get("phone")),
    )


def _customer(order: Mapping[str, Any]) -> Customer:
    billing = order.get("billing") if isinstance(order.get("billing"), Mapping) else {}
    assert isinstance(billing, Mapping)
    shipping = _address(order.get("shipping")) or _address(billing)
    names = [_text(billing.get("first_name")), _text(billing.get("last_name"))]
    return Customer(
        name=" ".join(n for n in names if n) or (shipping.name if shipping else None),
        email=_text(billing.get("email")),
        country_code=(shipping.country_code if shipping else None) or _text(billing.get("country")),
        shipping_address=shipping,
    )


def mapping_key(raw: Mapping[str, Any]) -> str | None:
    """What a line without a SKU is mapped by: its variation, else its product."""
    for field, prefix in (("variation_id", "variation"), ("product_id", "product")):
        value = raw.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return f"{prefix}:{value}"
    return None


def unit_price(gross: Money, quantity: int) -> Money | None:
    """The line's subtotal over its quantity, when exact (9.99 × 3 = 29.97 → 9.99)."""
    if quantity <= 0:
        return None
    with localcontext() as context:
        context.traps[Inexact] = True
        try:
            value = gross.amount / quantity
        except (Inexact, InvalidOperation):
            return None
    exponent = gross.amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        value = value.quantize(Decimal(1).scaleb(exponent))
    return Money(amount=value, currency=gross.currency)


def _line(
    raw: Any, index: int, currency: str, item_for: Callable[[str], str | None]
) -> InboundOrderLine:
    where = f"line_items[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidWooOrder(f"{where} must be an object")
    quantity = _integer(raw.get("quantity"), f"{where}.quantity")
    sku = _text(raw.get("sku")) or ""
    key = sku or mapping_key(raw)
    gross = amount(raw.get("subtotal", "0"), currency, f"{where}.subtotal")
    net = amount(raw.get("total", raw.get("subtotal", "0")), currency, f"{where}.total")
    return InboundOrderLine(
        external_line_id=str(_integer(raw.get("id"), f"{where}.id")),
        sku=sku,
        mapping_key=None if sku else key,
        item_code=item_for(key) if key else None,
        title=_text(raw.get("name")),
        quantity=Quantity.of(quantity, "pc"),
        unit_price=unit_price(gross, quantity),
        gross=gross,
        discount=Money(amount=gross.amount - net.amount, currency=currency),
        net=net,
    )


def _totals(order: Mapping[str, Any], lines: tuple[InboundOrderLine, ...], currency: str) -> Any:
    def read(key: str) -> Money | None:
        value = order.get(key)
        return amount(value, currency, f"order.{key}") if value is not None else None

    nets = [line.net.amount for line in lines if line.net is not None]
    return OrderTotals(
        subtotal=Money(amount=sum(nets, Decimal("0.00")), currency=currency),
        discounts=read("discount_total"),
        shipping=read("shipping_total"),
        tax=read("total_tax"),
        total=read("total"),
    )


def _currency(order: Mapping[str, Any]) -> str:
    currency = order.get("currency")
    if not isinstance(currency, str) or len(currency) != 3:
        raise InvalidWooOrder(f"order.currency must be an ISO code, got {currency!r}")
    return currency.upper()


def _shipping_service(order: Mapping[str, Any]) -> str | None:
    lines = order.get("shipping_lines")
    if not isinstance(lines, list) or not lines or not isinstance(lines[0], Mapping):
        return None
    return _text(lines[0].get("method_title")) or _text(lines[0].get("method_id"))


def to_inbound_order(
    order: Any, *, shop: str, item_for: Callable[[str], str | None]
) -> InboundOrderReceived:
    """Normalise an order with its line items; ``item_for(key)`` is the shop's mapping."""
    order_head = head(order)
    currency = _currency(order)
    raw_lines = order.get("line_items")
    if not isinstance(raw_lines, list):
        raise InvalidWooOrder(f"order {order_head.order_id}.line_items is missing")
    lines = tuple(_line(raw, i, currency, item_for) for i, raw in enumerate(raw_lines))
    created = order.get("date_created_gmt")
    return InboundOrderReceived(
        channel=CHANNEL,
        shop=shop,
        external_id=external_id(shop, order_head.order_id),
        external_number=_text(order.get("number")) or order_head.order_id,
        placed_at=gmt(created, "order.date_created_gmt") if created else None,
        currency=currency,
        customer=_customer(order),
        lines=lines,
        totals=_totals(order, lines, currency),
        shipping_service=_shipping_service(order),
    )
