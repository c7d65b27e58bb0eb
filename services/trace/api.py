"""Trace HTTP API: forward and backward traces, recalls and their exports."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncEngine

from services.trace import queries, recall
from services.trace.recall_report import Producer, Recall, recall_csv, recall_pdf
from services.trace.schemas import RecallIn, RecallOut, WithdrawIn
from services.trace.tracing import Direction, Trace
from shared.http import actor_of
from shared.runtime import engine_of
from shared.settings import get_settings

router = APIRouter(prefix="/api/trace", tags=["trace"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


@router.get("/lots/{lot_code}/forward", response_model=Trace)
async def lot_forward(lot_code: str, engine: Engine) -> Trace:
    """Every lot made from this one at any depth, every shipment and customer, stock left."""
    return await queries.trace(engine, queries.lot_start(lot_code), Direction.FORWARD)


@router.get("/lots/{lot_code}/backward", response_model=Trace)
async def lot_backward(lot_code: str, engine: Engine) -> Trace:
    """Production orders, intermediates, ingredient lots, supplier lots and suppliers."""
    return await queries.trace(engine, queries.lot_start(lot_code), Direction.BACKWARD)


@router.get("/orders/{order_id}/backward", response_model=Trace)
async def order_backward(order_id: UUID, engine: Engine) -> Trace:
    """What the order's shipments were made of, down to suppliers."""
    return await queries.trace(engine, queries.order_start(order_id), Direction.BACKWARD)


@router.get("/shipments/{shipment_id}/backward", response_model=Trace)
async def shipment_backward(shipment_id: UUID, engine: Engine) -> Trace:
    return await queries.trace(engine, queries.shipment_start(shipment_id), Direction.BACKWARD)


@router.get("/suppliers/{supplier}/lots/{supplier_lot_code}/forward", response_model=Trace)
async def supplier_lot_forward(supplier: str, supplier_lot_code: str, engine: Engine) -> Trace:
    """A supplier's lot code as printed on its delivery: every lot we received under it
    and everything made from those."""
    start = queries.supplier_lot_start(supplier, supplier_lot_code)
    return await queries.trace(engine, start, Direction.FORWARD)


def _out(issued: Recall) -> RecallOut:
    return RecallOut(
        recall_id=issued.recall_id,
        origin_kind=issued.origin_kind,
        origin=issued.origin,
        reason=issued.reason,
        created_at=issued.created_at,
        lot_codes=issued.lot_codes,
        customers=tuple(c.customer for c in issued.trace.customers),
        trace=issued.trace,
        withdrawn_at=issued.withdrawn_at,
        withdrawn_by=issued.withdrawn_by,
        withdrawn_reason=issued.withdrawn_reason,
    )


@router.post("/recalls/{recall_id}/withdraw", response_model=RecallOut)
async def withdraw_recall(
    recall_id: UUID, body: WithdrawIn, engine: Engine, request: Request
) -> RecallOut:
    """Withdraw a recall issued in error: inventory unblocks exactly the lots it blocked and
    orders releases the orders it held. 404 unknown, 409 already withdrawn."""
    by = actor_of(request) or "unknown"
    return _out(await recall.withdraw(engine, recall_id, reason=body.reason, by=by))


@router.post("/recalls", status_code=status.HTTP_201_CREATED, response_model=RecallOut)
async def issue_recall(body: RecallIn, engine: Engine) -> RecallOut:
    """Block the lot and everything made from it; open orders on it go on hold."""
    if body.lot_code is not None:
        start, kind, origin = queries.lot_start(body.lot_code), "lot", f"lot {body.lot_code}"
    else:
        assert body.supplier is not None and body.supplier_lot_code is not None
        start = queries.supplier_lot_start(body.supplier, body.supplier_lot_code)
        kind, origin = "supplier_lot", f"supplier lot {body.supplier} / {body.supplier_lot_code}"
    issued = await recall.issue(
        engine, start=start, origin_kind=kind, origin=origin, reason=body.reason
    )
    return _out(issued)


@router.get("/recalls", response_model=list[RecallOut])
async def list_recalls(
    engine: Engine,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
    order_id: UUID | None = None,
    shipment_id: UUID | None = None,
    customer: Annotated[str | None, Query(min_length=1, max_length=320)] = None,
) -> list[RecallOut]:
    """Newest first, a page at a time (the default is wide: it answered all before); only
    those reaching an order, a shipment or a customer (e-mail, else name) when asked."""
    found = await recall.list_all(
        engine,
        limit=limit,
        offset=offset,
        order_id=order_id,
        shipment_id=shipment_id,
        customer=customer,
    )
    return [_out(r) for r in found]


@router.get("/recalls/{recall_id}", response_model=RecallOut)
async def get_recall(recall_id: UUID, engine: Engine) -> RecallOut:
    return _out(await recall.get(engine, recall_id))


@router.get("/recalls/{recall_id}/export.csv")
async def recall_export(recall_id: UUID, engine: Engine) -> Response:
    issued = await recall.get(engine, recall_id)
    return Response(
        recall_csv(issued),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="recall-{recall_id}.csv"'},
    )


@router.get("/recalls/{recall_id}/report.pdf")
async def recall_report(
    recall_id: UUID, engine: Engine, lang: Literal["en", "it"] = "en"
) -> Response:
    """The report in the reader's language (``lang``): English or Italian."""
    issued = await recall.get(engine, recall_id)
    producer = get_settings().producer
    pdf = recall_pdf(issued, Producer(name=producer.name, address=producer.address), lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="recall-{recall_id}.pdf"'},
    )
