"""Etsy behind the sales-channel port: fulfilment write-back (``createReceiptShipment``,
``shipment.py``). Its receipts are listed for reconciliation by the poller (``poller.py``).
Etsy has no stock push in Lotline: ``shop_stock`` says so."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import (
    Attempt,
    Capability,
    FulfilmentPlan,
    NotSupported,
    ShopStock,
)
from services.connectors.etsy import shipment
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.receipts import CHANNEL
from shared.contracts.orders import ShipmentDispatched


class EtsyChannel:
    name = CHANNEL
    capabilities = frozenset({Capability.FULFILMENT, Capability.ORDER_LISTING})
    write_back_kinds = frozenset({shipment.KIND})

    def __init__(self, settings: EtsySettings | None = None) -> None:
        self._settings = settings or EtsySettings()

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan:
        payload, problem = shipment.payload(event)
        return FulfilmentPlan(shipment.KIND, payload, problem)

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt:
        return await shipment.attempt(engine, http, row, self._settings)

    async def shop_stock(
        self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str
    ) -> ShopStock:
        raise NotSupported(self.name, Capability.STOCK_PUSH)
