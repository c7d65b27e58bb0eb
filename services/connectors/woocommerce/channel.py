"""WooCommerce behind the sales-channel port: fulfilment write-back (status ``completed``
and a customer note, ``fulfilment.py``) and stock push (``stock.py``). Its orders are listed
for reconciliation by ``reconciliation.py``."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import Attempt, Capability, FulfilmentPlan, Refused
from services.connectors.woocommerce import fulfilment, reconciliation, repository
from services.connectors.woocommerce.orders import CHANNEL
from services.connectors.woocommerce.stock import WooStock
from shared.contracts.orders import ShipmentDispatched


class WooCommerceChannel:
    name = CHANNEL
    capabilities = frozenset(
        {Capability.FULFILMENT, Capability.STOCK_PUSH, Capability.ORDER_LISTING}
    )
    write_back_kinds = frozenset({fulfilment.KIND})

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan:
        payload, problem = fulfilment.payload(event)
        return FulfilmentPlan(fulfilment.KIND, payload, problem)

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt:
        return await fulfilment.attempt(engine, http, row)

    async def shop_stock(self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str) -> WooStock:
        async with engine.connect() as conn:
            store = await repository.store(conn, shop)
        if store is None:
            raise Refused(f"no WooCommerce store {shop}")
        if store.uninstalled_at is not None:
            raise Refused(f"WooCommerce store {shop} is disconnected")
        return WooStock(reconciliation.api_for(http, store))
