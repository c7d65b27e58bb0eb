"""Etsy ``ShopReceipt`` JSON → Lotline's normalised inbound order. Pure.

Etsy quirks handled here (seen in real answers, not only in the reference):
- every amount is a ``Money`` object ``{amount, divisor, currency_code}`` of integers; the
  value is amount / divisor, computed exactly as a Decimal (never through a float). The
  coupon field ``shop_coupon`` (a line's share of the shop's discount) is a JSON float and is
  read through ``str``; ``buyer_coupon`` is not read;
- ``status`` arrives Title-Case (``"Completed"``, ``"Fully Refunded"``) although the
  OpenAPI enum is lower-case: it is compared case-insensitively;
- ``sku`` is often ``""``: such a line is mapped by ``product:<id>`` (else ``listing:<id>``)
  and, until that is mapped, keeps ``item_code=None`` so orders puts it on hold;
- ids are 64-bit integers: carried as strings.
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

CHANNEL = "etsy"


class InvalidEtsyReceipt(ValueError):
    """The JSON is not a receipt we can read (names the field at fault)."""


class ReceiptStatus(StrEnum):
    """Etsy's receipt statuses, lower-cased."""

    OPEN = "open"
    UNPAID = "unpaid"
    PAYMENT_PROCESSING = "payment processing"
    PAID = "paid"
    UNSHIPPED = "unshipped"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIALLY_REFUNDED = "partially refunded"
    FULLY_REFUNDED = "fully refunded"
    CANCELED = "canceled"


ENDED = frozenset({ReceiptStatus.CANCELED, ReceiptStatus.FULLY_REFUNDED})


def status_of(value: Any) -> ReceiptStatus:
    """``"Fully Refunded"``, ``"fully refunded"`` and ``"FULLY_REFUNDED"`` are one status."""
    if not isinstance(value, str):
        raise InvalidEtsyReceipt(f"receipt.status must be a string, got {value!r}")
    key = " ".join(value.replace("_", " ").split()).lower()
    try:
        return ReceiptStatus(key)
    except ValueError as error:
        raise InvalidEtsyReceipt(f"unknown receipt status {value!r}") from error


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEtsyReceipt(f"{where} must be an integer, got {value!r}")
    return value


def money(raw: Any, where: str) -> Money:
    """Etsy ``Money`` → exact Decimal: 18080 / 100 is 180.80, never 180.79999."""
    if not isinstance(raw, Mapping):
        raise InvalidEtsyReceipt(f"{where} must be a Money object, got {raw!r}")
    amount = _integer(raw.get("amount"), f"{where}.amount")
    divisor = _integer(raw.get("divisor"), f"{where}.divisor")
    currency = raw.get("currency_code")
    if divisor <= 0:
        raise InvalidEtsyReceipt(f"{where}.divisor must be positive, got {divisor}")
    if not isinstance(currency, str) or len(currency) != 3:
        raise InvalidEtsyReceipt(f"{where}.currency_code must be an ISO code, got {currency!r}")
    places = len(str(divisor)) - 1
    if divisor == 10**places:  # the usual case: cents stay cents (11300/100 is 113.00)
        return Money(amount=Decimal(amount).scaleb(-places), currency=currency)
    with localcontext() as context:
        context.traps[Inexact] = True
        try:
            value = Decimal(amount) / Decimal(divisor)
        except (Inexact, InvalidOperation) as error:
            raise InvalidEtsyReceipt(f"{where}: {amount}/{divisor} is not exact") from error
    return Money(amount=value, currency=currency)


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(_integer(value, "timestamp"), tz=UTC)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@dataclass(frozen=True)
class ReceiptHead:
    """What the poller needs to decide what a receipt means for Lotline."""

    receipt_id: str
    status: ReceiptStatus
    is_paid: bool
    updated_at: int  # epoch seconds: the watermark moves with it
    is_shipped: bool = False


def head(receipt: Any) -> ReceiptHead:
    if not isinstance(receipt, Mapping):
        raise InvalidEtsyReceipt("a receipt must be a JSON object")
    receipt_id = _integer(receipt.get("receipt_id"), "receipt.receipt_id")
    updated = receipt.get("updated_timestamp", receipt.get("update_timestamp"))
    return ReceiptHead(
        receipt_id=str(receipt_id),
        status=status_of(receipt.get("status")),
        is_paid=receipt.get("is_paid") is True,
        updated_at=_integer(updated, f"receipt {receipt_id}.updated_timestamp"),
        is_shipped=receipt.get("is_shipped") is True,
    )


def _customer(receipt: Mapping[str, Any]) -> Customer:
    country = _text(receipt.get("country_iso"))
    address = Address(
        name=_text(receipt.get("name")),
        address1=_text(receipt.get("first_line")),
        address2=_text(receipt.get("second_line")),
        city=_text(receipt.get("city")),
        postal_code=_text(receipt.get("zip")),
        province=_text(receipt.get("state")),
        country_code=country,
    )
    return Customer(
        name=_text(receipt.get("name")),
        email=_text(receipt.get("buyer_email")),
        country_code=country,
        shipping_address=address,
    )


def mapping_key(raw: Mapping[str, Any]) -> str | None:
    """What a transaction without a SKU is mapped by: its product (the variation sold),
    else its listing."""
    for field, prefix in (("product_id", "product"), ("listing_id", "listing")):
        value = raw.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{prefix}:{value}"
    return None


def coupon(value: Any, like: Money, where: str) -> Money | None:
    """Etsy's ``shop_coupon`` is a JSON float (22.6): read through ``str`` into the line's
    currency and places, never as a binary float."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidEtsyReceipt(f"{where} must be a number, got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidEtsyReceipt(f"{where} is not a number: {value!r}") from error
    exponent = like.amount.as_tuple().exponent
    places = Decimal(1).scaleb(exponent) if isinstance(exponent, int) else Decimal("0.01")
    return Money(amount=amount.quantize(places), currency=like.currency)


def _line(raw: Any, index: int, item_for: Callable[[str], str | None]) -> InboundOrderLine:
    where = f"transactions[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidEtsyReceipt(f"{where} must be an object")
    quantity = _integer(raw.get("quantity"), f"{where}.quantity")
    sku = (raw.get("sku") or "").strip() if isinstance(raw.get("sku"), str | None) else ""
    key = sku or mapping_key(raw)
    price = raw.get("price")
    unit_price = money(price, f"{where}.price") if price is not None else None
    gross = discount = net = None
    if unit_price is not None:
        gross = Money(amount=unit_price.amount * quantity, currency=unit_price.currency)
        discount = coupon(raw.get("shop_coupon", 0), gross, f"{where}.shop_coupon")
        if discount is not None:
            net = Money(amount=gross.amount - discount.amount, currency=gross.currency)
    return InboundOrderLine(
        external_line_id=str(_integer(raw.get("transaction_id"), f"{where}.transaction_id")),
        sku=sku,
        mapping_key=None if sku else key,
        item_code=item_for(key) if key else None,
        title=_text(raw.get("title")),
        quantity=Quantity.of(quantity, "pc"),
        unit_price=unit_price,
        gross=gross,
        discount=discount,
        net=net,
    )


def _totals(receipt: Mapping[str, Any]) -> OrderTotals:
    """The receipt's own Money figures: subtotal (after the shop's discount), the discount,
    shipping, tax and the grand total the buyer paid."""

    def read(key: str) -> Money | None:
        raw = receipt.get(key)
        return money(raw, f"receipt.{key}") if raw is not None else None

    return OrderTotals(
        subtotal=read("subtotal"),
        discounts=read("discount_amt"),
        shipping=read("total_shipping_cost"),
        tax=read("total_tax_cost"),
        total=read("grandtotal"),
    )


def to_inbound_order(
    receipt: Any, *, shop: str, item_for: Callable[[str], str | None]
) -> InboundOrderReceived:
    """Normalise a receipt with its transactions; ``item_for(sku)`` is the shop's mapping."""
    receipt_head = head(receipt)
    transactions = receipt.get("transactions")
    if not isinstance(transactions, list):
        raise InvalidEtsyReceipt(f"receipt {receipt_head.receipt_id}.transactions is missing")
    total = receipt.get("grandtotal")
    currency = money(total, "receipt.grandtotal").currency if total is not None else None
    return InboundOrderReceived(
        channel=CHANNEL,
        shop=shop,
        external_id=receipt_head.receipt_id,
        external_number=receipt_head.receipt_id,
        placed_at=_timestamp(receipt.get("created_timestamp", receipt.get("create_timestamp"))),
        currency=currency,
        customer=_customer(receipt),
        lines=tuple(_line(raw, i, item_for) for i, raw in enumerate(transactions)),
        totals=_totals(receipt),
    )
