"""Production use cases; each owns its transaction (state, inbox and outbox together)."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import domain
from services.production import tables as t
from shared import inbox, outbox
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import StockShort

CONSUMER = "production"


async def plan_for_stock_short(engine: AsyncEngine, envelope: Envelope, event: StockShort) -> None:
    """Make-to-order: what finished stock could not cover becomes planned production."""

    def new_id(item_code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"lotline:production:{event.order_id}:{item_code}")

    async with engine.begin() as conn:
        if not await inbox.record(conn, envelope.event_id, consumer=CONSUMER):
            return
        plans = domain.plan_for_shortages(event.order_id, event.shortages, new_id=new_id)
        created = [plan for plan in plans if await _insert_plan(conn, plan)]
        await outbox.add(
            conn,
            [plan.event() for plan in created],
            correlation_id=envelope.correlation_id or envelope.event_id,
            causation_id=envelope.event_id,
        )


async def _insert_plan(conn: AsyncConnection, plan: domain.PlannedOrder) -> bool:
    result = await conn.execute(
        insert(t.production_order)
        .values(
            id=plan.production_order_id,
            item_code=plan.item_code,
            quantity=plan.quantity.value,
            unit=plan.quantity.unit,
            status=domain.ProductionStatus.PLANNED.value,
        )
        .on_conflict_do_nothing()
        .returning(t.production_order.c.id)
    )
    if result.first() is None:
        return False
    await conn.execute(
        t.demand.insert(),
        [
            {
                "production_order_id": plan.production_order_id,
                "order_id": d.order_id,
                "line_no": d.line_no,
                "quantity": d.quantity.value,
                "unit": d.quantity.unit,
            }
            for d in plan.demands
        ],
    )
    return True


async def list_production_orders(
    conn: AsyncConnection, *, order_id: UUID | None
) -> list[dict[str, Any]]:
    """Production orders with the customer order lines each one serves."""
    query = sa.select(t.production_order).order_by(t.production_order.c.created_at)
    if order_id is not None:
        query = query.where(
            t.production_order.c.id.in_(
                sa.select(t.demand.c.production_order_id).where(t.demand.c.order_id == order_id)
            )
        )
    result = []
    for row in await conn.execute(query):
        demands = await conn.execute(
            sa.select(t.demand).where(t.demand.c.production_order_id == row.id)
        )
        result.append({**row._asdict(), "demands": [dict(d._mapping) for d in demands]})
    return result
