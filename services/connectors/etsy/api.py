"""Etsy routes: connect a shop (OAuth 2 with PKCE), poll it now, the ``order.paid`` webhook."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.etsy import service, webhook
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.schemas import (
    AuthorizationStart,
    EtsyReceiptOut,
    EtsyShopIn,
    EtsyShopOut,
    PollOut,
    ReceiptOutcome,
)
from shared.runtime import engine_of

router = APIRouter(tags=["etsy"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


async def etsy_settings(request: Request) -> EtsySettings:
    settings: EtsySettings = request.app.state.etsy_settings
    return settings


Settings = Annotated[EtsySettings, Depends(etsy_settings)]


@router.post("/api/etsy/shops", status_code=status.HTTP_201_CREATED, response_model=EtsyShopOut)
async def connect_shop(body: EtsyShopIn, engine: Engine) -> EtsyShopOut:
    """Register an Etsy shop; then ``POST …/connect`` to have the seller grant access."""
    row = await service.connect_shop(
        engine, shop_id=body.shop_id, poll_on_webhook=body.poll_on_webhook
    )
    return EtsyShopOut.of(row)


@router.get("/api/etsy/shops/{shop_id}", response_model=EtsyShopOut)
async def get_shop(shop_id: str, engine: Engine) -> EtsyShopOut:
    return EtsyShopOut.of(await service.shop(engine, shop_id))


@router.get("/api/etsy/shops/{shop_id}/receipts", response_model=list[EtsyReceiptOut])
async def list_receipts(
    shop_id: str,
    engine: Engine,
    outcome: ReceiptOutcome | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EtsyReceiptOut]:
    """The receipts the poller recorded, newest change first."""
    rows = await service.receipts(engine, shop_id, outcome=outcome, limit=limit)
    return [EtsyReceiptOut.model_validate(r) for r in rows]


@router.post("/api/etsy/shops/{shop_id}/connect", response_model=AuthorizationStart)
async def start_authorization(
    shop_id: str, engine: Engine, settings: Settings
) -> AuthorizationStart:
    """The authorize URL (state + S256 code challenge) the seller opens."""
    url, state = await service.start_authorization(engine, shop_id, settings)
    return AuthorizationStart(authorize_url=url, state=state)


@router.get("/api/etsy/oauth/callback", response_model=EtsyShopOut)
async def oauth_callback(
    engine: Engine,
    settings: Settings,
    state: str,
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> EtsyShopOut | JSONResponse:
    """Etsy redirects the seller here: the code is exchanged for the shop's tokens."""
    if error or not code:
        detail = f"Etsy did not authorize: {error or 'no code'} {error_description or ''}".strip()
        return JSONResponse(status_code=400, content={"detail": detail})
    async with httpx.AsyncClient(timeout=15.0) as http:
        shop_id = await service.finish_authorization(engine, http, settings, code=code, state=state)
    return EtsyShopOut.of(await service.shop(engine, shop_id))


@router.post("/api/etsy/shops/{shop_id}/poll", response_model=PollOut)
async def poll_now(shop_id: str, request: Request, engine: Engine, settings: Settings) -> PollOut:
    """Read the shop's receipts modified since its watermark, now."""
    retries = request.app.state.etsy_retries
    async with httpx.AsyncClient(timeout=15.0) as http:
        result = await service.poll_now(engine, http, settings, retries, shop_id)
    return PollOut(
        pages=result.pages,
        receipts=result.receipts,
        published=result.published,
        watermark=result.watermark,
    )


@router.post("/webhooks/etsy")
async def etsy_webhook(request: Request, engine: Engine, settings: Settings) -> JSONResponse:
    """``order.paid``: 401 bad signature, 400 bad body, 200 otherwise; the shop is polled
    right away (the webhook is only a pointer to the receipt)."""
    headers = {
        k: request.headers.get(k) for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    try:
        shop_id = await service.accept_webhook(engine, settings, await request.body(), headers)
    except webhook.BadWebhook as bad:
        return JSONResponse(status_code=bad.status, content={"detail": bad.reason})
    if shop_id is None:
        return JSONResponse(status_code=200, content={"status": "ignored"})
    request.app.state.etsy_poll_worker.poll_soon(shop_id)
    return JSONResponse(status_code=200, content={"status": "poll_requested"})
