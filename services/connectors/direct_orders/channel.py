"""The manual and wholesale (CSV) channels behind the sales-channel port: their orders are
typed or imported in Lotline, so there is no shop to write back to, push stock to or list
orders from. Every operation answers ``NotSupported``, a refusal with the reason."""

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
from shared.contracts.orders import ShipmentDispatched


class DirectChannel:
    """A channel without a shop behind it: it supports none of the port's operations."""

    capabilities: frozenset[Capability] = frozenset()
    write_back_kinds: frozenset[str] = frozenset()

    def __init__(self, name: str) -> None:
        self.name = name

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
