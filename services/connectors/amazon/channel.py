"""Amazon behind the sales-channel port: its orders are listed by the poller
(``poller.py``). Shipment confirmation and stock push are not built yet: they say so."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

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
    capabilities = frozenset({Capability.ORDER_LISTING})
    write_back_kinds: frozenset[str] = frozenset()

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan:
        raise NotSupported(self.name, Capability.FULFILMENT)

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt:
        raise NotSupported(self.name, Capability.FULFILMENT)

    async def shop_stock(
        self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str
    ) -> ShopStock:
        raise NotSupported(self.name, Capability.STOCK_PUSH)
