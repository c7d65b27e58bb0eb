"""Issuing a recall: the forward closure of a lot (or of a supplier's lot) becomes the
recall list, stored with the recall and announced in the same transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from services.trace import tables as t
from services.trace.queries import trace_in
from services.trace.recall_report import Recall
from services.trace.tracing import Direction, Trace
from shared import outbox
from shared.contracts.trace import RecallIssued, RecallWithdrawn

TRACES: TypeAdapter[Trace] = TypeAdapter(Trace)


class UnknownRecall(LookupError):
    pass


class AlreadyWithdrawn(ValueError):
    """A recall is withdrawn once; withdrawing it again would say nothing new."""


async def issue(
    engine: AsyncEngine, *, start: str, origin_kind: str, origin: str, reason: str
) -> Recall:
    """Trace forward, keep the answer as the recall list, and tell inventory to block it."""
    async with engine.begin() as conn:
        trace = await trace_in(conn, start, Direction.FORWARD)
        row = (
            await conn.execute(
                t.recall.insert()
                .values(
                    id=uuid4(),
                    origin_kind=origin_kind,
                    origin=origin,
                    reason=reason,
                    trace=TRACES.dump_python(trace, mode="json"),
                )
                .returning(t.recall)
            )
        ).one()
        recall = _recall(row)
        issued = RecallIssued(
            recall_id=recall.recall_id, reason=reason, origin=origin, lot_codes=recall.lot_codes
        )
        await outbox.add(conn, [issued])
    return recall


def _recall(row: Any) -> Recall:
    return Recall(
        recall_id=row.id,
        origin_kind=row.origin_kind,
        origin=row.origin,
        reason=row.reason,
        created_at=row.created_at,
        trace=TRACES.validate_python(row.trace),
        withdrawn_at=row.withdrawn_at,
        withdrawn_by=row.withdrawn_by,
        withdrawn_reason=row.withdrawn_reason,
    )


async def withdraw(engine: AsyncEngine, recall_id: UUID, *, reason: str, by: str) -> Recall:
    """Mark the recall withdrawn and tell inventory (which unblocks exactly the lots this
    recall blocked, then orders releases what it held), in one transaction."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                sa.select(t.recall).where(t.recall.c.id == recall_id).with_for_update()
            )
        ).first()
        if row is None:
            raise UnknownRecall(f"no recall {recall_id}")
        if row.withdrawn_at is not None:
            raise AlreadyWithdrawn(
                f"recall {recall_id} was withdrawn on {row.withdrawn_at:%Y-%m-%d} by "
                f"{row.withdrawn_by}: {row.withdrawn_reason}"
            )
        updated = (
            await conn.execute(
                t.recall.update()
                .where(t.recall.c.id == recall_id)
                .values(withdrawn_at=sa.func.now(), withdrawn_by=by, withdrawn_reason=reason)
                .returning(t.recall)
            )
        ).one()
        await outbox.add(
            conn, [RecallWithdrawn(recall_id=recall_id, reason=reason, withdrawn_by=by)]
        )
    return _recall(updated)


async def get(engine: AsyncEngine, recall_id: UUID) -> Recall:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(t.recall).where(t.recall.c.id == recall_id))).first()
    if row is None:
        raise UnknownRecall(f"no recall {recall_id}")
    return _recall(row)


def _touching(
    order_id: UUID | None, shipment_id: UUID | None, customer: str | None
) -> list[sa.ColumnElement[bool]]:
    """Recalls whose list reaches the order (shipped to, or one of a reached customer's),
    the shipment or the customer (as ``genealogy.customer_code`` names them): JSON
    containment over the stored list, so none is missed however many recalls there are."""
    trace = t.recall.c.trace
    where: list[sa.ColumnElement[bool]] = []
    if order_id is not None:
        where.append(
            sa.or_(
                trace["shipments"].contains([{"order_id": str(order_id)}]),
                trace["customers"].contains([{"order_ids": [str(order_id)]}]),
            )
        )
    if shipment_id is not None:
        where.append(trace["shipments"].contains([{"shipment_id": str(shipment_id)}]))
    if customer is not None:
        where.append(trace["customers"].contains([{"customer": customer}]))
    return where


async def list_all(
    engine: AsyncEngine,
    *,
    limit: int | None = None,
    offset: int = 0,
    order_id: UUID | None = None,
    shipment_id: UUID | None = None,
    customer: str | None = None,
) -> list[Recall]:
    """Newest first; with ``order_id``, ``shipment_id`` or ``customer``, only the recalls
    that reach it (all of them when several are given)."""
    query = (
        sa.select(t.recall)
        .where(*_touching(order_id, shipment_id, customer))
        .order_by(t.recall.c.created_at.desc(), t.recall.c.id)
        .limit(limit)
        .offset(offset)
    )
    async with engine.connect() as conn:
        rows = await conn.execute(query)
        return [_recall(r) for r in rows]
