"""What an operator does to a production order: start it, record its completion, cancel it.

Refusals are errors for the API: a move the status does not allow is ``IllegalTransition``
(409, naming the current status); a completion stock cannot honour is ``CompletionRefused``
(422, naming the lot). Nothing is written when either is raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import read_models
from services.production.production_orders import completion_rules, domain, repository
from services.production.service import NotFound, cancel_with_children, move, publish
from shared.contracts.base import Event
from shared.contracts.inventory import MaterialLot
from shared.contracts.production import ProductionCompleted, ProductionStatus
from shared.units import Quantity, can_convert, convert

S = ProductionStatus


async def _order(conn: AsyncConnection, production_order_id: UUID) -> domain.ProductionOrder:
    order = await repository.order_for_update(conn, production_order_id)
    if order is None:
        raise NotFound(f"no production order {production_order_id}")
    return order


async def start(engine: AsyncEngine, production_order_id: UUID) -> None:
    """Materials reserved → in progress."""
    async with engine.begin() as conn:
        order = await _order(conn, production_order_id)
        _, change = await move(conn, order, S.IN_PROGRESS, reason="started by an operator")
        await publish(conn, [change])


async def cancel(engine: AsyncEngine, production_order_id: UUID, *, reason: str | None) -> None:
    """Not started → cancelled, with the not-started orders made for it; inventory releases
    what they hold when it sees the cancellation."""
    async with engine.begin() as conn:
        order = await _order(conn, production_order_id)
        events = await cancel_with_children(
            conn, order, reason=reason or "cancelled by an operator"
        )
        await publish(conn, events)


@dataclass(frozen=True)
class CompletionRecord:
    """What the operator says happened; unset fields take their defaults."""

    output_quantity: Decimal
    unit: str | None = None
    produced_on: date | None = None
    output_lot_code: str | None = None
    consumed: Sequence[completion_rules.Consumed] | None = None
    run_minutes: int | None = None


async def complete(
    engine: AsyncEngine, production_order_id: UUID, record: CompletionRecord
) -> ProductionCompleted:
    """In progress → completed: the inputs (the held lots unless named) checked against the
    lot read model, the output lot named and dated; inventory consumes, creates the lot and
    allocates it to the order lines served, in their order."""
    async with engine.begin() as conn:
        order = await _order(conn, production_order_id)
        domain.check_move(order.id, order.status, S.COMPLETED)
        output = _output(order, record)
        held = await repository.reserved_lots(conn, order.id)
        consumed = (
            record.consumed
            if record.consumed is not None
            else [
                completion_rules.Consumed(h.lot_code, h.quantity.value, h.quantity.unit)
                for h in held
            ]
        )
        if not consumed:
            raise completion_rules.CompletionRefused(
                f"production order {order.id} holds no lots; name the lots consumed"
            )
        lots = {
            **_held_as_seen(held),
            **await read_models.lots_by_code(conn, [c.lot_code for c in consumed]),
        }
        inputs = completion_rules.check_consumption(consumed, lots, held=_held_per_lot(held, lots))
        item = await read_models.item(conn, order.item_code)
        produced_on = record.produced_on or datetime.now(UTC).date()
        expires_on = completion_rules.expiry(produced_on, item.shelf_life_days if item else None)
        lot_code = record.output_lot_code or completion_rules.default_output_lot_code(
            order.item_code, produced_on, order.id
        )
        completed = ProductionCompleted(
            production_order_id=order.id,
            item_code=order.item_code,
            output=output,
            output_lot_code=lot_code,
            produced_on=produced_on,
            expires_on=expires_on,
            consumed=inputs,
            demands=order.demands,
            run_minutes=record.run_minutes,
            cost_per_minute=await repository.line_rate(conn, order.item_code, order.recipe_version),
        )
        await repository.save_completion(
            conn,
            order.id,
            output=output,
            output_lot_code=lot_code,
            produced_on=produced_on,
            expires_on=expires_on,
            consumed=inputs,
            run_minutes=record.run_minutes,
        )
        _, change = await move(conn, order, S.COMPLETED, reason=f"made {output} as lot {lot_code}")
        events: list[Event] = [completed, change]
        await publish(conn, events)
    return completed


def _output(order: domain.ProductionOrder, record: CompletionRecord) -> Quantity:
    unit = record.unit or order.quantity.unit
    if record.output_quantity <= 0:
        raise completion_rules.CompletionRefused(
            f"the output quantity must be positive, not {record.output_quantity}"
        )
    if not can_convert(unit, order.quantity.unit):
        raise completion_rules.CompletionRefused(
            f"output in {unit} cannot be counted as {order.item_code} ({order.quantity.unit})"
        )
    return Quantity.of(record.output_quantity, unit)


def _held_per_lot(
    held: Sequence[MaterialLot], lots: Mapping[str, completion_rules.LotSeen]
) -> dict[str, Decimal]:
    """What this order holds of each lot, in the lot's unit."""
    result: dict[str, Decimal] = {}
    for h in held:
        lot = lots.get(h.lot_code)
        if lot is not None and can_convert(h.quantity.unit, lot.unit):
            result[h.lot_code] = convert(h.quantity, lot.unit).value
    return result


def _held_as_seen(held: Sequence[MaterialLot]) -> dict[str, completion_rules.LotSeen]:
    """A held lot exists with at least what is held, even before its LotChanged arrives
    (inventory's answers and lot snapshots travel on different partitions)."""
    return {
        h.lot_code: completion_rules.LotSeen(
            lot_code=h.lot_code,
            item_code=h.item_code,
            on_hand=h.quantity.value,
            reserved=h.quantity.value,
            unit=h.quantity.unit,
            expires_on=h.expires_on,
        )
        for h in held
    }
