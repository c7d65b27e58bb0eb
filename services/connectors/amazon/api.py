"""Amazon routes: connect a seller, authorise it again, poll it now, its orders, its FBA
sales."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import service
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.schemas import (
    AmazonCredentials,
    AmazonFbaSalesOut,
    AmazonOrderOut,
    AmazonPollOut,
    AmazonSellerIn,
    AmazonSellerOut,
    FbaTotal,
    OrderOutcome,
)
from shared.runtime import engine_of

router = APIRouter(tags=["amazon"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


async def amazon_settings(request: Request) -> AmazonSettings:
    settings: AmazonSettings = request.app.state.amazon_settings
    return settings


Settings = Annotated[AmazonSettings, Depends(amazon_settings)]


@router.post(
    "/api/amazon/sellers", status_code=status.HTTP_201_CREATED, response_model=AmazonSellerOut
)
async def connect_seller(
    body: AmazonSellerIn, engine: Engine, settings: Settings
) -> AmazonSellerOut:
    """Register a seller with its Login with Amazon credentials (stored encrypted)."""
    row = await service.connect_seller(
        engine,
        settings,
        seller_id=body.seller_id,
        marketplace_ids=body.marketplace_ids,
        region=body.region,
        lwa_client_id=body.lwa_client_id,
        lwa_client_secret=body.lwa_client_secret.get_secret_value(),
        refresh_token=body.refresh_token.get_secret_value(),
    )
    return AmazonSellerOut.of(row)


@router.get("/api/amazon/sellers/{seller_id}", response_model=AmazonSellerOut)
async def get_seller(seller_id: str, engine: Engine) -> AmazonSellerOut:
    return AmazonSellerOut.of(await service.seller(engine, seller_id))


@router.put("/api/amazon/sellers/{seller_id}/authorisation", response_model=AmazonSellerOut)
async def authorise(seller_id: str, body: AmazonCredentials, engine: Engine) -> AmazonSellerOut:
    """New credentials after the seller authorised the app again: a revocation is cleared."""
    row = await service.authorise(
        engine,
        seller_id,
        lwa_client_id=body.lwa_client_id,
        lwa_client_secret=body.lwa_client_secret.get_secret_value(),
        refresh_token=body.refresh_token.get_secret_value(),
    )
    return AmazonSellerOut.of(row)


@router.get("/api/amazon/sellers/{seller_id}/orders", response_model=list[AmazonOrderOut])
async def list_orders(
    seller_id: str,
    engine: Engine,
    outcome: OrderOutcome | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AmazonOrderOut]:
    """The orders the poller recorded, latest Amazon update first."""
    rows = await service.orders(engine, seller_id, outcome=outcome, limit=limit)
    return [AmazonOrderOut.model_validate(r) for r in rows]


@router.get("/api/amazon/sellers/{seller_id}/fba-sales", response_model=AmazonFbaSalesOut)
async def fba_sales(
    seller_id: str,
    engine: Engine,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AmazonFbaSalesOut:
    """Orders Amazon fulfilled from its own warehouse (FBA): recorded as sales, never
    factory demand; the sold ones totalled per currency."""
    found = await service.fba_sales(engine, seller_id, limit=limit)
    return AmazonFbaSalesOut(
        seller_id=seller_id,
        totals=[FbaTotal(currency=c, orders=n, amount=a) for c, n, a in found.totals],
        not_sold=found.not_sold,
        sales=[AmazonOrderOut.model_validate(r) for r in found.sales],
    )


@router.post("/api/amazon/sellers/{seller_id}/poll", response_model=AmazonPollOut)
async def poll_now(
    seller_id: str, request: Request, engine: Engine, settings: Settings
) -> AmazonPollOut:
    """Read the seller's orders updated since its watermark, now."""
    retries = request.app.state.amazon_retries
    async with httpx.AsyncClient(timeout=15.0) as http:
        result = await service.poll_now(engine, http, settings, retries, seller_id)
    return AmazonPollOut(
        pages=result.pages,
        orders=result.orders,
        published=result.published,
        cancelled=result.cancelled,
        watermark=result.watermark,
    )
