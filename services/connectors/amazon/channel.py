"""Amazon behind the sales-channel port: fulfilment write-back (``confirmShipment``,
``shipment.py``) and stock push (``patchListingsItem`` of ``fulfillment_availability``,
``listings.py``); its orders are listed by the poller (``poller.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import repository, shipment
from services.connectors.amazon.client import Seller, SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.listings import AmazonStock
from services.connectors.amazon.orders import CHANNEL
from services.connectors.amazon.ratelimit import process_limiter
from services.connectors.channels.port import (
    Attempt,
    Capability,
    FulfilmentPlan,
    Refused,
)
from shared.contracts.orders import ShipmentDispatched


class AmazonChannel:
    name = CHANNEL
    capabilities = frozenset(
        {Capability.FULFILMENT, Capability.STOCK_PUSH, Capability.ORDER_LISTING}
    )
    write_back_kinds = frozenset({shipment.KIND})

    def __init__(self, settings: AmazonSettings | None = None) -> None:
        self._settings = settings or AmazonSettings()

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan:
        payload, problem = shipment.payload(event, now=datetime.now(UTC))
        return FulfilmentPlan(shipment.KIND, payload, problem)

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt:
        return await shipment.attempt(engine, http, row, self._settings)

    async def shop_stock(
        self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str
    ) -> AmazonStock:
        async with engine.connect() as conn:
            seller = await repository.seller_by_domain(conn, shop)
        if seller is None:
            raise Refused(f"no Amazon seller for {shop}")
        if seller.revoked_at is not None:
            raise Refused(seller.revoked_reason or f"Amazon seller {seller.seller_id} is revoked")
        return AmazonStock(
            engine,
            SpApi(http, self._settings, limiter=process_limiter()),
            Seller(seller_id=seller.seller_id, endpoint=self._settings.endpoint(seller.region)),
            marketplace_ids=list(seller.marketplace_ids),
            settings=self._settings,
        )
