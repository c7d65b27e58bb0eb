"""A completed production order's recorded run time corrected after the fact (the operator
wrote 30 minutes, the mixer's log says 45). Production keeps the corrected minutes and
announces ``run_time_corrected`` with the line's rate; inventory re-costs the output lot and
every lot made from it, and orders' costs follow through ``lot_cost_changed``."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import tables as t
from services.production.production_orders import domain, repository
from services.production.service import NotFound, publish
from shared.contracts.production import ProductionRunCorrected, ProductionStatus

P = t.production_order


class NotCompleted(domain.IllegalTransition):
    """Only a completed production order has a recorded run to correct (409)."""


async def _run_minutes(conn: AsyncConnection, production_order_id: UUID) -> int | None:
    return (
        await conn.execute(sa.select(P.c.run_minutes).where(P.c.id == production_order_id))
    ).scalar_one_or_none()


async def _output_lot_code(conn: AsyncConnection, production_order_id: UUID) -> str | None:
    return (
        await conn.execute(sa.select(P.c.output_lot_code).where(P.c.id == production_order_id))
    ).scalar_one_or_none()


async def correct_run_time(
    engine: AsyncEngine, production_order_id: UUID, *, run_minutes: int, reason: str | None
) -> ProductionRunCorrected | None:
    """Record ``run_minutes`` as the run's time and announce it; None when it is already the
    recorded time (nothing changes, nothing is announced)."""
    if run_minutes < 0:
        raise domain.PlanningRefused(f"a run cannot last {run_minutes} minutes")
    async with engine.begin() as conn:
        order = await repository.order_for_update(conn, production_order_id)
        if order is None:
            raise NotFound(f"no production order {production_order_id}")
        if order.status is not ProductionStatus.COMPLETED:
            raise NotCompleted(
                f"production order {order.id} is {order.status.value}: only a completed "
                "run's time can be corrected (record it with the completion)"
            )
        previous = await _run_minutes(conn, order.id)
        if previous == run_minutes:
            return None
        await conn.execute(
            P.update()
            .where(P.c.id == order.id)
            .values(run_minutes=run_minutes, updated_at=sa.func.now())
        )
        corrected = ProductionRunCorrected(
            production_order_id=order.id,
            item_code=order.item_code,
            output_lot_code=await _output_lot_code(conn, order.id),
            run_minutes=run_minutes,
            previous_run_minutes=previous,
            cost_per_minute=await repository.line_rate(conn, order.item_code, order.recipe_version),
            reason=reason,
        )
        await publish(conn, [corrected])
    return corrected
