"""Connectors HTTP API: Shopify webhooks in; shops and SKU mappings managed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository, service
from services.connectors.schemas import (
    ShopIn,
    ShopOut,
    SkuMappingIn,
    SkuMappingOut,
    WebhookAnswer,
)
from shared.runtime import engine_of

router = APIRouter(tags=["connectors"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


@router.post("/webhooks/shopify", response_model=WebhookAnswer)
async def shopify_webhook(request: Request, engine: Engine) -> JSONResponse:
    """Accept a Shopify webhook: 401 bad signature, 400 bad body, 200 accepted or duplicate."""
    headers = request.headers
    delivery = service.ShopifyDelivery(
        body=await request.body(),
        shop=headers.get("x-shopify-shop-domain"),
        topic=headers.get("x-shopify-topic"),
        hmac=headers.get("x-shopify-hmac-sha256"),
        webhook_id=headers.get("x-shopify-webhook-id"),
        event_id=headers.get("x-shopify-event-id"),
    )
    try:
        outcome = await service.accept_shopify_webhook(engine, delivery)
    except service.WebhookRejected as rejected:
        return JSONResponse(status_code=rejected.status, content={"detail": rejected.reason})
    return JSONResponse(status_code=200, content={"status": outcome.value})


@router.post("/api/shops", status_code=status.HTTP_201_CREATED, response_model=ShopOut)
async def register_shop(body: ShopIn, engine: Engine) -> ShopOut:
    await service.register_shop(
        engine,
        domain=body.domain,
        channel=body.channel,
        secret=body.webhook_secret.get_secret_value(),
    )
    return ShopOut(domain=body.domain, channel=body.channel)


@router.get("/api/shops", response_model=list[ShopOut])
async def list_shops(engine: Engine) -> list[ShopOut]:
    async with engine.connect() as conn:
        rows = await repository.list_shops(conn)
    return [ShopOut.model_validate(r._asdict()) for r in rows]


@router.put("/api/shops/{domain}/sku-mappings/{sku}", response_model=SkuMappingOut)
async def map_sku(domain: str, sku: str, body: SkuMappingIn, engine: Engine) -> SkuMappingOut:
    await service.map_sku(engine, domain=domain, sku=sku, item_code=body.item_code)
    return SkuMappingOut(sku=sku, item_code=body.item_code)


@router.get("/api/shops/{domain}/sku-mappings", response_model=list[SkuMappingOut])
async def list_sku_mappings(domain: str, engine: Engine) -> list[SkuMappingOut]:
    async with engine.connect() as conn:
        mappings = await repository.sku_mappings(conn, domain)
    return [SkuMappingOut(sku=k, item_code=v) for k, v in sorted(mappings.items())]
