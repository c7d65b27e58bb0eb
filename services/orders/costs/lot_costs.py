"""Cost of goods in orders: the lot unit costs inventory announces (``when_lot_received``),
and each order's cost, revenue and margin read from its reserved lots and its lines' net
prices; the arithmetic and the rounding are ``cost_rules``'.

Why here: orders already keeps which lots are reserved to which line (from inventory's
stock events) and what the customer pays for each line, and it knows the channel and the day
an order was placed; only the lots' unit costs were missing, so inventory announces them on
``lot_received`` and orders keeps them. A monthly summary is then one query of one database,
with no call between services at read time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.orders import tables as t
from services.orders.costs.cost_rules import (
    CostedLot,
    CostedOrder,
    MonthSummary,
    OrderCost,
    PricedLine,
    order_cost,
    summarise,
)
from services.orders.service import OrderNotFound
from shared.consuming import Delivery
from shared.contracts.inventory import LotCostChanged, LotReceived
from shared.contracts.orders import OrderStatus


async def when_lot_received(tx: Delivery, event: LotReceived | LotCostChanged) -> None:
    """Keep the lot's unit cost (also when it is unknown: a later event may correct it)."""
    values = {
        "lot_code": event.lot_code,
        "unit_cost": event.unit_cost.amount if event.unit_cost else None,
        "currency": event.unit_cost.currency if event.unit_cost else None,
    }
    statement = insert(t.lot_cost).values(**values)
    await tx.conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.lot_cost.c.lot_code],
            set_={
                "unit_cost": statement.excluded.unit_cost,
                "currency": statement.excluded.currency,
                "updated_at": sa.func.now(),
            },
        )
    )


async def when_lot_cost_changed(tx: Delivery, event: LotCostChanged) -> None:
    """A corrected receipt cost, or a lot re-costed from one: the orders holding the lot
    cost its new unit cost from now on (they are read, not stored, so nothing else moves).
    Both events are keyed by lot code, so they arrive in the order inventory wrote them."""
    await when_lot_received(tx, event)


async def _lines(conn: AsyncConnection, order_ids: Sequence[UUID]) -> dict[UUID, list[PricedLine]]:
    rows = await conn.execute(
        sa.select(t.line)
        .where(t.line.c.order_id.in_(order_ids))
        .order_by(t.line.c.order_id, t.line.c.line_no)
    )
    found: dict[UUID, list[PricedLine]] = {}
    for r in rows:
        found.setdefault(r.order_id, []).append(
            PricedLine(r.line_no, r.item_code, r.quantity, r.unit, r.net)
        )
    return found


async def _lots(conn: AsyncConnection, order_ids: Sequence[UUID]) -> dict[UUID, list[CostedLot]]:
    rows = await conn.execute(
        sa.select(
            t.reservation.c.order_id,
            t.reservation.c.line_no,
            t.reservation.c.lot_code,
            t.reservation.c.quantity,
            t.lot_cost.c.unit_cost,
            t.lot_cost.c.currency,
        )
        .select_from(
            t.reservation.outerjoin(t.lot_cost, t.lot_cost.c.lot_code == t.reservation.c.lot_code)
        )
        .where(t.reservation.c.order_id.in_(order_ids))
        .order_by(t.reservation.c.order_id, t.reservation.c.line_no, t.reservation.c.id)
    )
    found: dict[UUID, list[CostedLot]] = {}
    for r in rows:
        found.setdefault(r.order_id, []).append(
            CostedLot(r.line_no, r.lot_code, r.quantity, r.unit_cost, r.currency)
        )
    return found


async def cost_of_order(engine: AsyncEngine, order_id: UUID) -> tuple[Any, OrderCost]:
    """The order's row and its cost (OrderNotFound: 404)."""
    async with engine.connect() as conn:
        order = (await conn.execute(sa.select(t.order).where(t.order.c.id == order_id))).first()
        if order is None:
            raise OrderNotFound(f"no order {order_id}")
        lines = (await _lines(conn, [order_id])).get(order_id, [])
        lots = (await _lots(conn, [order_id])).get(order_id, [])
    return order, order_cost(lines, lots, currency=order.currency)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``2026-12`` → [2026-12-01, 2027-01-01) in UTC (ValueError, 422, otherwise)."""
    try:
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"month must look like 2026-12, not {month!r}") from None
    following = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else (first.replace(month=first.month + 1))
    )
    return first, following


def _placed_on(order: Any) -> date:
    placed = order.placed_at or order.created_at
    return placed.astimezone(UTC).date()  # type: ignore[no-any-return]


async def costed_orders(engine: AsyncEngine, month: str) -> list[tuple[Any, CostedOrder]]:
    """Every order placed in the month (by ``placed_at``, else when it arrived), cancelled
    and test orders left out, with its cost."""
    start, end = month_bounds(month)
    placed = sa.func.coalesce(t.order.c.placed_at, t.order.c.created_at)
    async with engine.connect() as conn:
        orders = (
            await conn.execute(
                sa.select(t.order)
                .where(
                    placed >= start,
                    placed < end,
                    t.order.c.status != OrderStatus.CANCELLED.value,
                    sa.not_(t.order.c.is_test),
                )
                .order_by(placed, t.order.c.id)
            )
        ).all()
        ids = [o.id for o in orders]
        lines = await _lines(conn, ids)
        lots = await _lots(conn, ids)
    return [
        (
            o,
            CostedOrder(
                o.id,
                o.channel,
                _placed_on(o),
                order_cost(lines.get(o.id, []), lots.get(o.id, []), currency=o.currency),
            ),
        )
        for o in orders
    ]


async def month_summary(engine: AsyncEngine, month: str) -> list[MonthSummary]:
    return summarise(costed for _, costed in await costed_orders(engine, month))
