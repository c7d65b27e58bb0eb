"""Orders HTTP API: read an order, or find orders by channel and external id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import repository, service
from services.orders.holds import releases
from services.orders.schemas import CancelIn, OrderOut
from services.orders.timeline import order_timeline as timeline
from shared.contracts.orders import OrderStatus
from shared.runtime import engine_of

router = APIRouter(prefix="/api", tags=["orders"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: UUID, engine: Engine) -> OrderOut:
    async with engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail=f"no order {order_id}")
    return OrderOut.model_validate(order)


@router.get("/orders", response_model=list[OrderOut])
async def find_orders(
    engine: Engine,
    response: Response,
    channel: str | None = None,
    external_id: str | None = None,
    status: Annotated[list[OrderStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    sort: Literal["newest", "promised"] = "newest",
    due_by: date | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[OrderOut]:
    """Newest first, or ``sort=promised`` (earliest promise first); ``status`` may repeat;
    ``due_by``: promised on or before that day, or with no date (what ships today);
    ``q``: what a person types — the order's number (its start, with or without ``#``), the
    channel's id, part of the customer's name or e-mail, or the start of Lotline's id.
    ``X-Total-Count`` says how many match, for paging with ``limit`` and ``offset``."""
    statuses = [s.value for s in status or ()]
    async with engine.connect() as conn:
        ids = await repository.find_order_ids(
            conn,
            channel=channel,
            external_id=external_id,
            statuses=statuses,
            limit=limit,
            offset=offset,
            by_promise=sort == "promised",
            due_by=due_by,
            q=q,
        )
        orders = [await repository.load_order(conn, order_id) for order_id in ids]
        total = await repository.count_orders(
            conn,
            channel=channel,
            external_id=external_id,
            statuses=statuses,
            due_by=due_by,
            q=q,
        )
    response.headers["X-Total-Count"] = str(total)
    return [OrderOut.model_validate(o) for o in orders if o is not None]


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
async def cancel_order(order_id: UUID, engine: Engine, body: CancelIn | None = None) -> OrderOut:
    """Cancel before shipping; 409 when the order is already cancelled (or shipped)."""
    await service.cancel_order(engine, order_id, reason=body.reason if body else None)
    return await get_order(order_id, engine)


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: str
    summary: str
    detail: dict[str, Any]


@router.get("/orders/{order_id}/timeline", response_model=list[TimelineEntryOut])
async def order_timeline(order_id: UUID, engine: Engine) -> list[TimelineEntryOut]:
    """Where is my order: received, reserved, production, shipped, e-mailed, delivered."""
    async with engine.connect() as conn:
        if await repository.load_order(conn, order_id) is None:
            raise HTTPException(status_code=404, detail=f"no order {order_id}")
        entries = await timeline.timeline(conn, order_id)
    return [TimelineEntryOut.model_validate(e.__dict__) for e in entries]


class ReleaseIn(BaseModel):
    """``items``: line number → item code, for lines with no item (e.g. an empty SKU)."""

    items: dict[int, str] = {}
    reason: str | None = None


@router.post("/orders/{order_id}/release", response_model=OrderOut)
async def release_order(order_id: UUID, engine: Engine, body: ReleaseIn | None = None) -> OrderOut:
    """``on_hold → received``, then reservation as for any new order; 409 while a line is
    still unmapped (the answer names it) or when the order is not on hold."""
    body = body or ReleaseIn()
    await releases.release_order(engine, order_id, items=body.items, reason=body.reason)
    return await get_order(order_id, engine)
