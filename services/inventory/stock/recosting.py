"""Re-costing after a corrected receipt cost (a late supplier invoice): the received lot's
unit cost is recomputed, then every lot made from it, level after level, from the same
ledger the completion wrote (its consumption movements, its output movement, the labour kept
on the output lot); each lot whose unit cost changes is announced with ``lot_cost_changed``
in the same transaction, so orders re-cost their lines from the event, not a batch job."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import InventoryError, NotFound
from services.inventory.publishing import publish
from services.inventory.stock.costing_rules import (
    ConsumedInput,
    produced_unit_cost,
    received_unit_cost,
)
from shared.contracts.inventory import LotCostChanged
from shared.units import Money

PRODUCTION = "production:"


@dataclass(frozen=True)
class Recosted:
    lot_code: str
    unit_cost: Money | None
    previous_unit_cost: Money | None


def _money(amount: Decimal | None, currency: str | None) -> Money | None:
    return None if amount is None or currency is None else Money(amount=amount, currency=currency)


async def _lot(conn: AsyncConnection, **where: Any) -> Any:
    query = sa.select(t.lot).with_for_update()
    for column, value in where.items():
        query = query.where(t.lot.c[column] == value)
    return (await conn.execute(query)).first()


async def _set_unit_cost(conn: AsyncConnection, lot_id: int, cost: Money | None) -> None:
    await conn.execute(
        t.lot.update()
        .where(t.lot.c.id == lot_id)
        .values(
            unit_cost=cost.amount if cost else None,
            unit_cost_currency=cost.currency if cost else None,
        )
    )


async def _made_from(conn: AsyncConnection, lot_id: int) -> list[str]:
    """References (``production:<id>``) of the runs that consumed the lot."""
    rows = await conn.scalars(
        sa.select(t.movement.c.reference)
        .where(
            t.movement.c.lot_id == lot_id,
            t.movement.c.kind == "consumption",
            t.movement.c.reference.startswith(PRODUCTION),
        )
        .distinct()
    )
    return [r for r in rows if r]


async def _recost_output(conn: AsyncConnection, reference: str) -> tuple[Any, Money | None] | None:
    """The output lot of one run and its unit cost from what is stored now."""
    produced = (
        await conn.execute(
            sa.select(t.movement.c.lot_id, t.movement.c.quantity).where(
                t.movement.c.kind == "production", t.movement.c.reference == reference
            )
        )
    ).first()
    if produced is None:
        return None
    output = await _lot(conn, id=produced.lot_id)
    consumed = await conn.execute(
        sa.select(
            t.lot.c.lot_code,
            t.lot.c.unit_cost,
            t.lot.c.unit_cost_currency,
            sa.func.sum(-t.movement.c.quantity).label("quantity"),
        )
        .select_from(t.movement.join(t.lot, t.lot.c.id == t.movement.c.lot_id))
        .where(t.movement.c.kind == "consumption", t.movement.c.reference == reference)
        .group_by(t.lot.c.lot_code, t.lot.c.unit_cost, t.lot.c.unit_cost_currency)
    )
    inputs = [
        ConsumedInput(c.lot_code, c.quantity, _money(c.unit_cost, c.unit_cost_currency))
        for c in consumed
    ]
    cost = produced_unit_cost(
        inputs,
        labour=_money(output.labour_cost, output.labour_currency),
        output=produced.quantity,
    )
    return output, cost


async def correct_receipt_cost(engine: AsyncEngine, lot_code: str, cost: Money) -> list[Recosted]:
    """The received lot's whole cost is now ``cost``; every lot made from it follows."""
    if cost.amount < 0:
        raise InventoryError(f"a cost cannot be negative, got {cost.amount}")
    async with engine.begin() as conn:
        lot = await _lot(conn, lot_code=lot_code)
        if lot is None:
            raise NotFound(f"no lot {lot_code}")
        if lot.production_order_id is not None:
            raise InventoryError(
                f"lot {lot_code} was produced: its cost follows its inputs; correct theirs"
            )
        received = await conn.scalar(
            sa.select(sa.func.sum(t.movement.c.quantity)).where(
                t.movement.c.lot_id == lot.id, t.movement.c.kind == "receipt"
            )
        )
        if not received or received <= 0:
            raise InventoryError(f"lot {lot_code} has no receipt to spread a cost over")
        await conn.execute(
            t.lot.update()
            .where(t.lot.c.id == lot.id)
            .values(cost=cost.amount, cost_currency=cost.currency)
        )
        changed: list[Recosted] = []
        events: list[LotCostChanged] = []

        async def record(row: Any, new: Money | None, reason: str) -> bool:
            old = _money(row.unit_cost, row.unit_cost_currency)
            if new == old:
                return False
            await _set_unit_cost(conn, row.id, new)
            changed.append(Recosted(row.lot_code, new, old))
            events.append(
                LotCostChanged(
                    lot_code=row.lot_code,
                    item_code=row.item_code,
                    unit_cost=new,
                    previous_unit_cost=old,
                    reason=reason,
                )
            )
            return True

        queue: deque[int] = deque()
        if await record(lot, received_unit_cost(cost, received), "receipt cost corrected"):
            queue.append(lot.id)
        while queue:
            source = await _lot(conn, id=queue.popleft())
            for reference in await _made_from(conn, source.id):
                recosted = await _recost_output(conn, reference)
                if recosted is None:
                    continue
                output, new = recosted
                if await record(output, new, f"made from {source.lot_code}, re-costed"):
                    queue.append(output.id)
        await publish(conn, events)
    return changed
