"""``GET /api/stock-sync``: per (shop, SKU), what Lotline wants the shop to show, what it
last set and what the shop last reported, so drift is visible."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.stock_push import stock_rules
from shared.runtime import engine_of

router = APIRouter(tags=["stock push"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


class StockSyncOut(BaseModel):
    shop: str
    sku: str
    item_code: str
    state: stock_rules.SyncState
    intended: int
    pushed: int | None
    reported: int | None
    drift: int | None
    pushes: int
    attempts: int
    last_error: str | None
    changed_at: datetime
    pushed_at: datetime | None
    reported_at: datetime | None


@router.get("/api/stock-sync", response_model=list[StockSyncOut])
async def stock_sync(
    engine: Engine,
    shop: str | None = None,
    sku: str | None = None,
    item_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[StockSyncOut]:
    """``drift`` = reported − intended; ``state``: in_sync, pending, failing or drift."""
    s = t.stock_sync
    query = sa.select(s).order_by(s.c.shop, s.c.sku).limit(limit).offset(offset)
    for column, value in ((s.c.shop, shop), (s.c.sku, sku), (s.c.item_code, item_code)):
        if value is not None:
            query = query.where(column == value)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        StockSyncOut(
            shop=r.shop,
            sku=r.sku,
            item_code=r.item_code,
            state=stock_rules.sync_state(
                intended=r.intended,
                pushed=r.pushed,
                reported=r.reported,
                pending=r.pending_since is not None,
                failing=r.last_error is not None,
            ),
            intended=r.intended,
            pushed=r.pushed,
            reported=r.reported,
            drift=stock_rules.drift(intended=r.intended, reported=r.reported),
            pushes=r.pushes,
            attempts=r.attempts,
            last_error=r.last_error,
            changed_at=r.changed_at,
            pushed_at=r.pushed_at,
            reported_at=r.reported_at,
        )
        for r in rows
    ]
