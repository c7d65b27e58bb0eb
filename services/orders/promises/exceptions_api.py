"""``GET /api/orders/exceptions``: every open order that cannot reach its promise, one kind
at a time, counted over all open orders (DESIGN invariant 7). The classification is pure
(``exceptions.classify``); this reads the orders and pages the answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import repository
from services.orders.promises import exceptions
from services.orders.promises.exceptions import Kind, OrderException, OrderFacts, Words
from services.orders.schemas import MissingMaterialOut
from shared.contracts.orders import OrderStatus
from shared.runtime import engine_of

router = APIRouter(prefix="/api", tags=["orders"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


class WordsOut(BaseModel):
    """A sentence: ``message`` (English, with ``{placeholders}``), ``params``, ``text``."""

    code: str
    message: str
    params: dict[str, str]
    text: str


class ExceptionOut(BaseModel):
    id: UUID
    kind: Kind
    channel: str
    shop: str
    external_id: str
    external_number: str | None
    customer_name: str | None
    status: OrderStatus
    requested_on: date | None
    promised_on: date | None
    promise_reason: str | None
    hold_reason: str | None
    slips: int
    created_at: datetime
    reasons: list[WordsOut]
    action: WordsOut
    missing_materials: list[MissingMaterialOut] | None


class ExceptionsOut(BaseModel):
    today: date
    open_orders: int  # every open non-test order looked at
    counts: dict[str, int]  # per kind, over all of them
    kind: Kind | None
    total: int  # how many the ``kind`` filter matches (all kinds when None)
    offset: int
    limit: int
    items: list[ExceptionOut]


def _words(w: Words) -> WordsOut:
    return WordsOut(code=w.code, message=w.message, params=dict(w.params), text=w.text)


def _item(row: Any, found: OrderException) -> ExceptionOut:
    missing = repository.missing_materials_of(row)
    customer = row.customer or {}
    return ExceptionOut(
        id=row.id,
        kind=found.kind,
        channel=row.channel,
        shop=row.shop,
        external_id=row.external_id,
        external_number=row.external_number,
        customer_name=customer.get("name"),
        status=OrderStatus(row.status),
        requested_on=row.requested_on,
        promised_on=row.promised_on,
        promise_reason=row.promise_reason,
        hold_reason=row.hold_reason,
        slips=int(row.slips),
        created_at=row.created_at,
        reasons=[_words(r) for r in found.reasons],
        action=_words(found.action),
        missing_materials=None
        if missing is None
        else [
            MissingMaterialOut(
                **m.model_dump(exclude={"missing"}),
                missing=None if m.missing is None else m.missing.value,
                unit=None if m.missing is None else m.missing.unit,
            )
            for m in missing
        ],
    )


@router.get("/orders/exceptions", response_model=ExceptionsOut)
async def order_exceptions(
    engine: Engine,
    response: Response,
    kind: Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ExceptionsOut:
    """Late, held, blocked on materials, stuck with no promise, at risk: each open order in
    at most one, with its reasons and next action; ``counts`` are over every open order,
    ``items`` one page of ``kind`` (earliest promise first, then the oldest order)."""
    today = datetime.now(UTC).date()
    async with engine.connect() as conn:
        rows = await repository.open_order_rows(conn, [s.value for s in exceptions.OPEN])
    found: list[tuple[Any, OrderException]] = []
    for row in rows:
        facts = OrderFacts(
            status=OrderStatus(row.status),
            promised_on=row.promised_on,
            requested_on=row.requested_on,
            hold_reason=row.hold_reason,
            slips=int(row.slips),
            missing=repository.missing_materials_of(row),
        )
        classified = exceptions.classify(facts, today=today)
        if classified is not None:
            found.append((row, classified))
    counts = {k: sum(1 for _, f in found if f.kind == k) for k in exceptions.KINDS}
    chosen = [pair for pair in found if kind is None or pair[1].kind == kind]
    response.headers["X-Total-Count"] = str(len(chosen))
    return ExceptionsOut(
        today=today,
        open_orders=len(rows),
        counts=counts,
        kind=kind,
        total=len(chosen),
        offset=offset,
        limit=limit,
        items=[_item(row, f) for row, f in chosen[offset : offset + limit]],
    )
