"""Telling Amazon that an order shipped: ``confirmShipment`` with the carrier, the tracking
number and the shipped items.

A write-back row of kind ``amazon_shipment`` (the same table, worker, retries, dead state
and replay as Shopify's and Etsy's). Never twice after a lost answer, two ways:
- before confirming, the order is read (``getOrder``): one Amazon already shows
  ``Shipped`` was confirmed — by our earlier try whose answer was lost, or by the seller —
  and the write-back is done; a ``Canceled`` one is refused;
- the package's ``packageReferenceId`` is derived from the shipment id, so a repeated
  confirmation names the same package, which Amazon takes as an edit of it, not a second
  package.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import repository, tokens
from services.connectors.amazon.client import Seller, SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.ratelimit import process_limiter
from services.connectors.channels.port import Refused
from shared.contracts.orders import ShipmentDispatched, ShippedLot

KIND = "amazon_shipment"

# Carrier names Amazon takes as a ``carrierCode`` as they are; any other is sent as
# ``Other`` with the name in ``carrierName``.
CARRIER_CODES = {
    code.lower(): code
    for code in (
        "DHL",
        "DPD",
        "GLS",
        "UPS",
        "FedEx",
        "USPS",
        "TNT",
        "Royal Mail",
        "Deutsche Post",
        "Hermes",
        "PostNL",
        "Poste Italiane",
        "BRT",
        "Colissimo",
        "Chronopost",
        "Correos",
        "SEUR",
        "Yodel",
    )
}


class UnmappableShipment(ValueError):
    """The shipment cannot be told to Amazon as items and whole quantities."""


def package_reference(shipment_id: UUID) -> str:
    """A positive number, the same for every try of one shipment (Amazon's package id)."""
    return str(shipment_id.int % 999_999_999 + 1)


def carrier_fields(carrier: str | None) -> dict[str, str]:
    name = (carrier or "").strip()
    code = CARRIER_CODES.get(name.lower())
    if code is not None:
        return {"carrierCode": code}
    return {"carrierCode": "Other", "carrierName": name or "Other"}


def shipped_items(lots: Iterable[ShippedLot]) -> list[dict[str, Any]]:
    """Whole pieces shipped per Amazon ``OrderItemId``, summed over lots."""
    totals: dict[str, Decimal] = {}
    for lot in lots:
        if not lot.external_line_id:
            raise UnmappableShipment(f"line {lot.line_no} has no Amazon order item id")
        value = lot.quantity.value
        if lot.quantity.unit != "pc" or value != value.to_integral():
            raise UnmappableShipment(
                f"line {lot.line_no}: Amazon counts whole pieces, got {value} {lot.quantity.unit}"
            )
        totals[lot.external_line_id] = totals.get(lot.external_line_id, Decimal(0)) + value
    items = [{"orderItemId": k, "quantity": int(v)} for k, v in totals.items() if v > 0]
    if not items:
        raise UnmappableShipment("the shipment has no items")
    return items


def payload(event: ShipmentDispatched, *, now: datetime) -> tuple[dict[str, Any], str | None]:
    """The ``packageDetail`` to confirm (``marketplaceId`` is read with the order), and
    why it cannot be sent, when it cannot."""
    package: dict[str, Any] = {
        "packageReferenceId": package_reference(event.shipment_id),
        **carrier_fields(event.carrier_company or event.carrier),
        "trackingNumber": event.tracking_number or "",
        "shipDate": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if event.service:
        package["shippingMethod"] = event.service
    body = {"amazon_order_id": event.external_id, "packageDetail": package}
    if not event.tracking_number:
        return body, "Amazon needs a tracking number to confirm a shipment"
    try:
        package["orderItems"] = shipped_items(event.lots)
    except UnmappableShipment as error:
        return body, str(error)
    return body, None


async def attempt(
    engine: AsyncEngine, http: httpx.AsyncClient, row: Any, settings: AmazonSettings
) -> Callable[[], Awaitable[str | None]]:
    """One try of the write-back in ``row``, ready to be retried; Refused when the seller
    cannot be written to at all."""
    async with engine.connect() as conn:
        seller = await repository.seller_by_domain(conn, row.shop)
    if seller is None:
        raise Refused(f"no Amazon seller for {row.shop}")
    api = SpApi(http, settings, limiter=process_limiter())
    where = Seller(seller_id=seller.seller_id, endpoint=settings.endpoint(seller.region))
    order_id = str(row.payload["amazon_order_id"])
    package: Mapping[str, Any] = row.payload["packageDetail"]

    async def confirm(token: str) -> str | None:
        order = await api.get_order(where, token, order_id)
        status = order.get("OrderStatus")
        if status == "Shipped":
            return str(package["packageReferenceId"])  # confirmed already: ours, or the seller's
        if status == "Canceled":
            raise Refused(f"Amazon order {order_id} is cancelled")
        marketplace = order.get("MarketplaceId") or seller.marketplace_ids[0]
        body = {"packageDetail": dict(package), "marketplaceId": marketplace}
        await api.confirm_shipment(where, token, order_id, body)
        return str(package["packageReferenceId"])

    async def once() -> str | None:
        return await tokens.with_token(
            engine,
            api,
            seller.seller_id,
            confirm,
            margin_seconds=settings.refresh_margin_seconds,
        )

    return once
