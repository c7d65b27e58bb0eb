"""Shopify behind the sales-channel port: fulfilment write-back (fulfillmentCreate on the
Admin GraphQL API, never twice for one shipment) and stock push (inventory levels with
compare-and-set). Its orders are also listed for reconciliation (``reconciliation.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository
from services.connectors.channels.port import (
    Attempt,
    Capability,
    FulfilmentPlan,
    Refused,
    StockLevel,
)
from services.connectors.shopify import fulfillment as shopify_fulfillment
from services.connectors.shopify.admin import ShopifyAdmin, default_admin_url
from services.connectors.shopify.inventory import Level, ShopifyInventory
from services.connectors.shopify.orders import CHANNEL
from services.connectors.write_back import repository as write_back_repo
from shared.contracts.orders import ShipmentDispatched

KIND = "fulfillment"


def fulfilment_payload(event: ShipmentDispatched) -> tuple[dict[str, Any], str | None]:
    """What to send, and why it cannot be sent when the shipment does not map."""
    tracking = {
        "number": event.tracking_number,
        "url": event.tracking_url,
        "company": event.carrier_company or event.carrier,
    }
    try:
        lines = shopify_fulfillment.shipped_quantities(event.lots)
    except shopify_fulfillment.UnmappableShipment as error:
        return {"lines": [], "tracking": tracking}, str(error)
    rows = [{"line_item_id": k, "quantity": v} for k, v in sorted(lines.items())]
    return {"lines": rows, "tracking": tracking}, None


@dataclass(frozen=True)
class _Target:
    client: ShopifyAdmin
    notify_customer: bool
    claimed: set[str]


async def _target(engine: AsyncEngine, http: httpx.AsyncClient, row: Any) -> _Target:
    async with engine.connect() as conn:
        shop = await repository.shop(conn, row.shop)
        claimed = await write_back_repo.claimed_fulfillments(
            conn, shop=row.shop, external_id=row.external_id, other_than=row.id
        )
    if shop is None:
        raise Refused(f"unknown shop {row.shop}")
    if shop.uninstalled_at is not None:  # issue 4: no call reaches a disabled shop
        raise Refused(f"shop {row.shop} uninstalled the app")
    if not shop.access_token:
        raise Refused(
            f"shop {row.shop} has no Admin API access token (PATCH /api/shops/{row.shop})"
        )
    url = shop.admin_api_url or default_admin_url(shop.domain)
    return _Target(ShopifyAdmin(http, url, shop.access_token), shop.notify_customer, claimed)


async def _fulfil_once(target: _Target, row: Any) -> str | None:
    """One try: read the fulfillment orders, then create the fulfillment unless Shopify
    already has it. Returns the fulfillment id (None when fulfilled without our id)."""
    order = await target.client.order_fulfilment(row.external_id)
    tracking = shopify_fulfillment.Tracking(**row.payload["tracking"])
    existing = shopify_fulfillment.existing_fulfillment(
        order.fulfillments, tracking.number, claimed=target.claimed
    )
    if existing is not None:
        return existing
    wanted = {line["line_item_id"]: int(line["quantity"]) for line in row.payload["lines"]}
    match shopify_fulfillment.plan(wanted, order):
        case shopify_fulfillment.AlreadyFulfilled(fulfillment_id=fulfillment_id):
            return fulfillment_id
        case shopify_fulfillment.CannotFulfil(reason=reason):
            raise Refused(reason)
        case shopify_fulfillment.Create(groups=groups):
            variables = shopify_fulfillment.mutation_variables(
                groups, tracking, notify_customer=target.notify_customer
            )
            return await target.client.create_fulfillment(variables)
    raise AssertionError("unreachable")  # pragma: no cover


class ShopStock:
    """One shop's inventory levels through the Admin API (the port's ``ShopStock``)."""

    def __init__(self, client: ShopifyInventory) -> None:
        self._client = client

    async def level(self, sku: str) -> Level:
        return await self._client.level(sku)

    async def set_available(self, level: StockLevel, quantity: int, *, reference: str) -> None:
        if not isinstance(level, Level):
            raise TypeError(f"not a Shopify inventory level: {level!r}")
        await self._client.set_available(level, quantity, reference=reference)


class ShopifyChannel:
    name = CHANNEL
    capabilities = frozenset(
        {Capability.FULFILMENT, Capability.STOCK_PUSH, Capability.ORDER_LISTING}
    )
    write_back_kinds = frozenset({KIND})

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan:
        payload, problem = fulfilment_payload(event)
        return FulfilmentPlan(KIND, payload, problem)

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt:
        target = await _target(engine, http, row)
        return lambda: _fulfil_once(target, row)

    async def shop_stock(
        self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str
    ) -> ShopStock:
        async with engine.connect() as conn:
            found = await repository.shop(conn, shop)
        if found is None or not found.access_token:
            raise Refused(f"shop {shop} has no Admin API access token")
        if found.uninstalled_at is not None:  # Shopify sync: no call reaches a disabled shop
            raise Refused(f"shop {shop} uninstalled the app")
        url = found.admin_api_url or default_admin_url(found.domain)
        return ShopStock(ShopifyInventory(http, url, found.access_token))
