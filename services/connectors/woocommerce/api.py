"""WooCommerce routes: connect a store, read it and its orders, reconcile it now, and the
store's webhooks (``order.created`` / ``order.updated`` / ``order.deleted``)."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.woocommerce import service
from services.connectors.woocommerce.schemas import (
    ReconcileOut,
    WooOrderOut,
    WooStoreIn,
    WooStoreOut,
)
from services.connectors.woocommerce.webhook import BadWebhook, Delivery
from shared.runtime import engine_of

router = APIRouter(tags=["woocommerce"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


@router.post(
    "/api/woocommerce/stores", status_code=status.HTTP_201_CREATED, response_model=WooStoreOut
)
async def connect_store(body: WooStoreIn, engine: Engine) -> WooStoreOut:
    """Register a store with its REST API keys (read/write) and its webhooks' secret."""
    row = await service.connect_store(
        engine,
        shop=body.shop,
        base_url=body.base_url,
        consumer_key=body.consumer_key.get_secret_value(),
        consumer_secret=body.consumer_secret.get_secret_value(),
        webhook_secret=body.webhook_secret.get_secret_value(),
    )
    return WooStoreOut.of(row)


@router.get("/api/woocommerce/stores/{shop}", response_model=WooStoreOut)
async def get_store(shop: str, engine: Engine) -> WooStoreOut:
    return WooStoreOut.of(await service.store(engine, shop))


@router.get("/api/woocommerce/stores/{shop}/orders", response_model=list[WooOrderOut])
async def list_orders(
    shop: str, engine: Engine, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[WooOrderOut]:
    """The store's orders as Lotline last saw them, most recently changed first."""
    rows = await service.store_orders(engine, shop, limit=limit)
    return [WooOrderOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/api/woocommerce/stores/{shop}/reconcile", response_model=ReconcileOut)
async def reconcile(shop: str, request: Request, engine: Engine) -> ReconcileOut:
    """Read every order modified since the store's watermark, now."""
    settings = request.app.state.woocommerce_settings
    async with httpx.AsyncClient(timeout=settings.http_timeout_seconds) as http:
        run = await service.reconcile_now(
            engine, http, shop, settings, request.app.state.woocommerce_retries
        )
    return ReconcileOut(
        pages=run.pages,
        orders_seen=run.orders_seen,
        published=run.published,
        cancelled=run.cancelled,
        error=run.error,
    )


@router.post("/webhooks/woocommerce/{shop}")
async def woocommerce_webhook(shop: str, request: Request, engine: Engine) -> JSONResponse:
    """401 bad signature, 400 bad body, 200 otherwise with what the delivery did."""
    delivery = Delivery.of(request.headers, await request.body())
    try:
        outcome = await service.accept_webhook(engine, shop, delivery)
    except BadWebhook as bad:
        return JSONResponse(status_code=bad.status, content={"detail": bad.reason})
    return JSONResponse(status_code=200, content={"status": outcome})
