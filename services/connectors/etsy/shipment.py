"""Telling Etsy that a receipt shipped: ``createReceiptShipment`` with the tracking code.

A write-back row of kind ``etsy_shipment`` (the same table, worker, retries, dead letters
and replay as Shopify's fulfilments). Before creating, the receipt is read: a shipment that
already carries our tracking code is our own earlier attempt whose answer was lost, and is
taken as done — so a retry or a replay never ships the receipt twice on Etsy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import Refused
from services.connectors.etsy import repository, tokens
from services.connectors.etsy.budget import etsy_api
from services.connectors.etsy.config import EtsySettings
from shared.contracts.orders import ShipmentDispatched

KIND = "etsy_shipment"


def payload(event: ShipmentDispatched) -> tuple[dict[str, Any], str | None]:
    """What ``createReceiptShipment`` is sent, and why it cannot be, when it cannot."""
    carrier = event.carrier_company or event.carrier
    body = {
        "receipt_id": event.external_id,
        "tracking_code": event.tracking_number,
        "carrier_name": carrier.lower() if carrier else None,
    }
    if not event.external_id.isdigit():
        return body, f"Etsy receipt ids are numbers, got {event.external_id!r}"
    return body, None


def shipment_with(receipt: Any, tracking_code: str | None) -> str | None:
    """The id of the receipt's shipment carrying ``tracking_code``, if it has one."""
    if not tracking_code or not isinstance(receipt, Mapping):
        return None
    for shipment in receipt.get("shipments") or []:
        if isinstance(shipment, Mapping) and shipment.get("tracking_code") == tracking_code:
            return str(shipment.get("receipt_shipping_id") or "") or None
    return None


async def attempt(
    engine: AsyncEngine, http: httpx.AsyncClient, row: Any, settings: EtsySettings
) -> Callable[[], Awaitable[str | None]]:
    """One try of the write-back in ``row``, ready to be retried; Refused when the shop
    cannot be written to at all."""
    async with engine.connect() as conn:
        shop = await repository.shop_by_domain(conn, row.shop)
    if shop is None:
        raise Refused(f"no Etsy shop for {row.shop}")
    if not settings.configured:
        raise Refused("the Etsy app is not configured (LOTLINE_CONNECTORS__ETSY__KEYSTRING)")
    api = etsy_api(engine, http, settings)
    tracking = row.payload.get("tracking_code")
    receipt_id = str(row.payload["receipt_id"])

    async def ship(token: str) -> str | None:
        existing = shipment_with(await api.shop_receipt(token, shop.shop_id, receipt_id), tracking)
        if existing is not None:
            return existing
        answer = await api.create_receipt_shipment(
            token,
            shop.shop_id,
            receipt_id,
            tracking_code=tracking,
            carrier_name=row.payload.get("carrier_name"),
        )
        return shipment_with(answer, tracking)

    async def once() -> str | None:
        return await tokens.with_token(
            engine, api, shop.shop_id, ship, margin_seconds=settings.refresh_margin_seconds
        )

    return once
