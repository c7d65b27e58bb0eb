"""Amazon Orders API v0 JSON → Lotline's normalised inbound order. Pure.

- money is ``{CurrencyCode, Amount}`` with ``Amount`` a decimal *string*: read as a Decimal
  from the string, never through a float ("12.90" stays 12.90);
- an order item's ``ItemPrice`` is the price of the whole line (unit price × quantity), and
  ``PromotionDiscount`` the line's discount; the unit price is derived only when exact;
- ``SellerSKU`` is mapped through the seller's SKU mappings like any channel's SKU;
- a buyer's cancellation request is on the items (``BuyerRequestedCancel``,
  ``IsBuyerRequestedCancel`` "true"/"false" as a string, ``BuyerCancelReason``);
- buyer name and address are restricted data (a Restricted Data Token): not fetched here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from enum import StrEnum
from typing import Any

from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived, OrderTotals
from shared.units import Money, Quantity

CHANNEL = "amazon"


class InvalidAmazonOrder(ValueError):
    """The JSON is not an order we can read (names the field at fault)."""


class OrderStatus(StrEnum):
    PENDING = "Pending"
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    SHIPPED = "Shipped"
    CANCELED = "Canceled"
    UNFULFILLABLE = "Unfulfillable"
    INVOICE_UNCONFIRMED = "InvoiceUnconfirmed"
    PENDING_AVAILABILITY = "PendingAvailability"


NOT_YET_DEMAND = frozenset({OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY})
DEMAND = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.INVOICE_UNCONFIRMED})
ENDED = frozenset({OrderStatus.CANCELED, OrderStatus.UNFULFILLABLE})


class FulfillmentChannel(StrEnum):
    MERCHANT = "MFN"  # the seller (Lotline) ships: live demand
    AMAZON = "AFN"  # FBA: Amazon ships from its own warehouse


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidAmazonOrder(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def timestamp(value: Any, where: str) -> datetime:
    """ISO 8601 as Amazon writes it (``2026-12-01T10:15:00Z``), always with a zone."""
    text = _text(value, where)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidAmazonOrder(f"{where} is not an ISO 8601 time: {text!r}") from error
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def money(raw: Any, where: str) -> Money:
    """``{"CurrencyCode": "EUR", "Amount": "12.90"}`` → exactly 12.90 EUR."""
    if not isinstance(raw, Mapping):
        raise InvalidAmazonOrder(f"{where} must be a Money object, got {raw!r}")
    currency = raw.get("CurrencyCode")
    amount = raw.get("Amount")
    if not isinstance(currency, str) or len(currency) != 3:
        raise InvalidAmazonOrder(f"{where}.CurrencyCode must be an ISO code, got {currency!r}")
    if not isinstance(amount, str):
        raise InvalidAmazonOrder(f"{where}.Amount must be a decimal string, got {amount!r}")
    try:
        value = Decimal(amount.strip())
    except InvalidOperation as error:
        raise InvalidAmazonOrder(f"{where}.Amount is not a number: {amount!r}") from error
    if not value.is_finite():
        raise InvalidAmazonOrder(f"{where}.Amount is not a number: {amount!r}")
    return Money(amount=value, currency=currency)


@dataclass(frozen=True)
class OrderHead:
    """What the poller needs to decide what an order means for Lotline."""

    amazon_order_id: str
    status: OrderStatus
    fulfillment_channel: FulfillmentChannel
    last_update_date: datetime
    purchase_date: datetime | None
    marketplace_id: str | None
    total: Money | None


def head(order: Any) -> OrderHead:
    if not isinstance(order, Mapping):
        raise InvalidAmazonOrder("an order must be a JSON object")
    order_id = _text(order.get("AmazonOrderId"), "AmazonOrderId")
    raw_status = order.get("OrderStatus")
    try:
        status = OrderStatus(str(raw_status))
    except ValueError as error:
        raise InvalidAmazonOrder(f"order {order_id}: unknown OrderStatus {raw_status!r}") from error
    raw_channel = order.get("FulfillmentChannel", "MFN")
    try:
        channel = FulfillmentChannel(str(raw_channel))
    except ValueError as error:
        raise InvalidAmazonOrder(
            f"order {order_id}: unknown FulfillmentChannel {raw_channel!r}"
        ) from error
    purchased = order.get("PurchaseDate")
    total = order.get("OrderTotal")
    marketplace = order.get("MarketplaceId")
    return OrderHead(
        amazon_order_id=order_id,
        status=status,
        fulfillment_channel=channel,
        last_update_date=timestamp(order.get("LastUpdateDate"), f"order {order_id}.LastUpdateDate"),
        purchase_date=timestamp(purchased, "PurchaseDate") if purchased is not None else None,
        marketplace_id=marketplace if isinstance(marketplace, str) else None,
        total=money(total, f"order {order_id}.OrderTotal") if total is not None else None,
    )


def buyer_cancel_reason(items: list[Any]) -> str | None:
    """The buyer's cancellation request on any item: its reason (or a plain note), else
    None. Amazon writes the flag as the string "true" (a JSON true is taken too)."""
    for item in items:
        if not isinstance(item, Mapping):
            continue
        request = item.get("BuyerRequestedCancel")
        if not isinstance(request, Mapping):
            continue
        flag = request.get("IsBuyerRequestedCancel")
        if flag is True or (isinstance(flag, str) and flag.strip().lower() == "true"):
            reason = request.get("BuyerCancelReason")
            text = reason.strip() if isinstance(reason, str) else ""
            return text or "no reason given"
    return None


def _quantity(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidAmazonOrder(f"{where} must be a whole number, got {value!r}")
    return value


def _unit_price(gross: Money, quantity: int) -> Money | None:
    if quantity <= 0:
        return None
    with localcontext() as context:
        context.traps[Inexact] = True
        try:
            unit = gross.amount / quantity
        except (Inexact, InvalidOperation):
            return None  # 10.00 for 3: no exact unit price, the line's figures stay exact
    exponent = gross.amount.as_tuple().exponent
    if isinstance(exponent, int) and unit == unit.quantize(Decimal(1).scaleb(exponent)):
        unit = unit.quantize(Decimal(1).scaleb(exponent))
    return Money(amount=unit, currency=gross.currency)


def _line(raw: Any, index: int, item_for: Callable[[str], str | None]) -> InboundOrderLine:
    where = f"OrderItems[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidAmazonOrder(f"{where} must be an object")
    quantity = _quantity(raw.get("QuantityOrdered"), f"{where}.QuantityOrdered")
    sku_raw = raw.get("SellerSKU")
    sku = sku_raw.strip() if isinstance(sku_raw, str) else ""
    asin = raw.get("ASIN")
    key = sku or (f"asin:{asin}" if isinstance(asin, str) and asin else None)
    price = raw.get("ItemPrice")
    gross = money(price, f"{where}.ItemPrice") if price is not None else None
    promotion = raw.get("PromotionDiscount")
    discount = money(promotion, f"{where}.PromotionDiscount") if promotion is not None else None
    net = None
    if gross is not None and discount is not None and discount.currency == gross.currency:
        net = Money(amount=gross.amount - discount.amount, currency=gross.currency)
    title = raw.get("Title")
    return InboundOrderLine(
        external_line_id=_text(raw.get("OrderItemId"), f"{where}.OrderItemId"),
        sku=sku,
        mapping_key=None if sku else key,
        item_code=item_for(key) if key else None,
        title=title.strip() or None if isinstance(title, str) else None,
        quantity=Quantity.of(quantity, "pc"),
        unit_price=_unit_price(gross, quantity) if gross is not None else None,
        gross=gross,
        discount=discount,
        net=net,
    )


def to_inbound_order(
    order: Any, items: list[Any], *, shop: str, item_for: Callable[[str], str | None]
) -> InboundOrderReceived:
    """Normalise an order with its items; ``item_for(sku)`` is the seller's mapping."""
    order_head = head(order)
    if not items:
        raise InvalidAmazonOrder(f"order {order_head.amazon_order_id} has no items")
    total = order_head.total
    return InboundOrderReceived(
        channel=CHANNEL,
        shop=shop,
        external_id=order_head.amazon_order_id,
        external_number=order_head.amazon_order_id,
        placed_at=order_head.purchase_date,
        currency=total.currency if total is not None else None,
        lines=tuple(_line(raw, i, item_for) for i, raw in enumerate(items)),
        totals=OrderTotals(total=total),
        shipping_service=_service(order),
    )


def _service(order: Mapping[str, Any]) -> str | None:
    level = order.get("ShipmentServiceLevelCategory")
    return level if isinstance(level, str) and level else None
