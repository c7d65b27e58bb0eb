"""HTTP API of the Shopify order sync: run a shop's reconciliation now and see where it
stands; list webhook deliveries (``status=dead`` is the operator's to-do list) and replay
a dead one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.run_locks import one_at_a_time
from services.connectors.service import ConnectorError
from services.connectors.shopify import reconciliation
from services.connectors.shopify import sync_repository as repo
from shared.runtime import engine_of

router = APIRouter(tags=["shopify sync"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]
DeliveryStatus = Literal["pending", "done", "dead"]


class UnknownDelivery(ConnectorError):
    pass


class DeliveryNotReplayable(ConnectorError):
    pass


class ReconciliationRun(BaseModel):
    shop: str
    since: datetime
    orders_seen: int
    orders_applied: int
    pages: int
    error: str | None


class ReconciliationState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    shop_domain: str
    watermark: datetime | None
    status: str
    failures: int
    last_error: str | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    orders_seen: int
    orders_applied: int


class DeliveryOut(BaseModel):
    """A webhook as received and where its processing stands (never its body)."""

    model_config = ConfigDict(from_attributes=True)

    webhook_id: str
    shop_domain: str
    topic: str
    event_id: str | None
    external_id: str | None
    status: DeliveryStatus
    outcome: str
    attempts: int
    last_error: str | None
    received_at: datetime
    processed_at: datetime | None


@router.post("/api/shops/{domain}/reconcile", response_model=ReconciliationRun)
async def reconcile_now(domain: str, request: Request, engine: Engine) -> ReconciliationRun:
    """Run the shop's reconciliation now (also the replay of a dead one); 409 when the shop
    is uninstalled or has no token. A failed run answers 200 with its ``error``."""
    settings = request.app.state.shopify_sync
    async with (
        httpx.AsyncClient(timeout=settings.retry.http_timeout_seconds) as http,
        one_at_a_time(engine, f"reconcile:{domain}", wait=True),  # one run per shop at a time
    ):
        run = await reconciliation.reconcile_shop(engine, http, domain, settings)
    return ReconciliationRun(**run.__dict__)


@router.get("/api/shops/{domain}/reconciliation", response_model=ReconciliationState)
async def reconciliation_state(domain: str, engine: Engine) -> ReconciliationState:
    async with engine.connect() as conn:
        row = await repo.reconciliation(conn, domain)
    if row is None:
        raise UnknownDelivery(f"shop {domain} has not been reconciled yet")
    return ReconciliationState.model_validate(row)


@router.get("/api/webhook-deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    engine: Engine,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DeliveryOut]:
    """Newest first, a page at a time."""
    async with engine.connect() as conn:
        rows = await repo.deliveries(conn, status=status, limit=limit, offset=offset)
    return [DeliveryOut.model_validate(r) for r in rows]


@router.get("/api/webhook-deliveries/{webhook_id}", response_model=DeliveryOut)
async def get_delivery(webhook_id: str, engine: Engine) -> DeliveryOut:
    async with engine.connect() as conn:
        row = await repo.delivery(conn, webhook_id)
    if row is None:
        raise UnknownDelivery(f"unknown webhook delivery {webhook_id}")
    return DeliveryOut.model_validate(row)


@router.post("/api/webhook-deliveries/{webhook_id}/replay", response_model=DeliveryOut)
async def replay_delivery(webhook_id: str, request: Request, engine: Engine) -> DeliveryOut:
    """dead → pending with its attempts reset; 404 unknown, 409 when not dead."""
    async with engine.begin() as conn:
        row = await repo.replay_delivery(conn, webhook_id)
        if row is None:
            current = await repo.delivery(conn, webhook_id)
            if current is None:
                raise UnknownDelivery(f"unknown webhook delivery {webhook_id}")
            raise DeliveryNotReplayable(f"webhook {webhook_id} is {current.status}, not dead")
    request.app.state.shopify_delivery_worker.wake()
    return DeliveryOut.model_validate(row)
