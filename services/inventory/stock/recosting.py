"""Re-costing after a corrected receipt cost (a late supplier invoice) or a corrected run time
of a completed production order: the received lot's unit cost (or the run's labour and its
output lot's unit cost) is recomputed, then every lot made from it, level after level, from
the same ledger the completion wrote (its consumption movements, its output movement, the
labour kept on the output lot); each lot whose unit cost changes is announced with
``lot_cost_changed`` in the same transaction, so orders re-cost their lines from the event,
not a batch job."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import InventoryError, NotFound
from services.inventory.publishing import publish
from services.inventory.stock.costing_rules import (
    ConsumedInput,
    labour_cost,
    produced_unit_cost,
    received_unit_cost,
)
from shared.consuming import Delivery
from shared.contracts.inventory import LotCostChanged
from shared.contracts.production import ProductionRunCorrected
from shared.units import Money

log = logging.getLogger(__name__)

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


@dataclass
class _Recosting:
    """One re-costing in one transaction: the lots it changed and the events announcing them."""

    conn: AsyncConnection
    changed: list[Recosted] = field(default_factory=list)
    events: list[LotCostChanged] = field(default_factory=list)

    async def record(self, row: Any, new: Money | None, reason: str) -> bool:
        """Store and announce ``row``'s new unit cost; False when it is the same."""
        old = _money(row.unit_cost, row.unit_cost_currency)
        if new == old:
            return False
        await _set_unit_cost(self.conn, row.id, new)
        self.changed.append(Recosted(row.lot_code, new, old))
        self.events.append(
            LotCostChanged(
                lot_code=row.lot_code,
                item_code=row.item_code,
                unit_cost=new,
                previous_unit_cost=old,
                reason=reason,
            )
        )
        return True

    async def follow(self, lot_id: int) -> None:
        """Every lot made from ``lot_id`` (whose cost just changed), level after level."""
        queue: deque[int] = deque([lot_id])
        while queue:
            source = await _lot(self.conn, id=queue.popleft())
            for reference in await _made_from(self.conn, source.id):
                recosted = await _recost_output(self.conn, reference)
                if recosted is None:
                    continue
                output, new = recosted
                if await self.record(output, new, f"made from {source.lot_code}, re-costed"):
                    queue.append(output.id)


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
        recosting = _Recosting(conn)
        if await recosting.record(
            lot, received_unit_cost(cost, received), "receipt cost corrected"
        ):
            await recosting.follow(lot.id)
        await publish(conn, recosting.events)
    return recosting.changed


async def when_run_time_is_corrected_recost_its_output(
    tx: Delivery, event: ProductionRunCorrected
) -> None:
    """The run's labour is now the corrected minutes × the line's rate: its output lot is
    re-costed from the same consumed lots, then every lot made from that lot. A run whose
    completion inventory never recorded (refused) has no output lot: nothing to re-cost."""
    conn = tx.conn
    reference = f"{PRODUCTION}{event.production_order_id}"
    produced = await conn.scalar(
        sa.select(t.movement.c.lot_id).where(
            t.movement.c.kind == "production", t.movement.c.reference == reference
        )
    )
    if produced is None:
        log.warning(
            "run time of production order %s corrected, but it has no output lot here",
            event.production_order_id,
        )
        return
    labour = labour_cost(event.run_minutes, event.cost_per_minute)
    await conn.execute(
        t.lot.update()
        .where(t.lot.c.id == produced)
        .values(
            labour_cost=labour.amount if labour else None,
            labour_currency=labour.currency if labour else None,
        )
    )
    recosted = await _recost_output(conn, reference)
    if recosted is None:
        return
    output, new = recosted
    recosting = _Recosting(conn)
    reason = f"run time corrected to {event.run_minutes} min, re-costed"
    if await recosting.record(output, new, reason):
        await recosting.follow(output.id)
    await publish(tx, recosting.events)
