"""Amazon behind the sales-channel port: fulfilment write-back (``confirmShipment``,
``shipment.py``); its orders are listed by the poller (``poller.py``). Stock push
(``patchListingsItem``) is not built yet: ``shop_stock`` says so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import shipment
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.orders import CHANNEL
from services.connectors.channels.port import (
    Attempt,
    Capability,
    FulfilmentPlan,
    NotSupported,
    ShopStock,
)
from shared.contracts.orders import ShipmentDispatched


class AmazonChannel:
    name = CHANNEL
    capabilities = frozenset({Capability.FULFILMENT, Capability.ORDER_LISTING})
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
    ) -> ShopStock:
        raise NotSupported(self.name, Capability.STOCK_PUSH)
