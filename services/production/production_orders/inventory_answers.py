"""Inventory's answers to production: materials held or short, released, and whether a
recorded completion was applied.

An answer that comes too late for the production order's status (e.g. materials reserved
for an order already cancelled) is recorded in the inbox and otherwise ignored: inventory
releases what it holds for a cancelled order when it sees the cancellation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from services.production.production_orders import domain, repository
from services.production.production_orders.planning import plan_intermediates
from services.production.service import move, publish
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.inventory import (
    MaterialsReleased,
    MaterialsReserved,
    MaterialsShort,
    ProductionRecorded,
    ProductionRejected,
)
from shared.contracts.production import ProductionStatus

log = logging.getLogger(__name__)
S = ProductionStatus


async def _answered_order(
    conn: AsyncConnection,
    event: MaterialsReserved | MaterialsShort,
    next_status: Callable[[ProductionStatus], ProductionStatus | None],
) -> tuple[domain.ProductionOrder, ProductionStatus] | None:
    """The production order an answer is about, locked, with the status it moves to; None
    (logged) when the order is unknown or its status no longer takes this answer."""
    order = await repository.order_for_update(conn, event.production_order_id)
    if order is None:
        log.warning("%s for unknown production order %s", event.TYPE, event.production_order_id)
        return None
    target = next_status(order.status)
    if target is None:
        log.warning("production order %s is %s; ignoring %s", order.id, order.status, event.TYPE)
        return None
    return order, target


async def when_materials_reserved(tx: Delivery, event: MaterialsReserved) -> None:
    """Every material is held: the order may start; the held lots are its default inputs."""
    conn, envelope = tx.conn, tx.envelope
    answered = await _answered_order(conn, event, domain.after_materials_reserved)
    if answered is None:
        return
    order, target = answered
    await repository.replace_answer(conn, order.id, lots=event.reservations)
    if target is order.status:
        return  # a newer answer replaced the held lots; the status stays
    _, change = await move(conn, order, target)
    await publish(conn, [change], cause=envelope)


async def when_materials_short(tx: Delivery, event: MaterialsShort) -> None:
    """Blocked, with the shortages stored and announced; intermediates production makes
    itself are planned as child production orders (once per parent and item while open)."""
    conn, envelope = tx.conn, tx.envelope
    answered = await _answered_order(conn, event, domain.after_materials_short)
    if answered is None:
        return
    order, target = answered
    await repository.replace_answer(conn, order.id, shortages=event.shortages)
    reason = domain.shortage_reason(event.shortages)
    events: list[Event] = []
    if target is order.status:
        # Still blocked, by other shortages now: say so, so the orders served can tell.
        change = domain.status_event(
            order, previous=order.status, reason=reason, shortages=event.shortages
        )
        await repository.record_status(conn, change)
    else:
        order, change = await move(conn, order, target, reason=reason, shortages=event.shortages)
    events.append(change)
    events += await plan_intermediates(conn, order, event.shortages)
    await publish(conn, events, cause=envelope)


async def when_materials_released(tx: Delivery, event: MaterialsReleased) -> None:
    """Nothing to change: the order was cancelled (or re-requested) before; the consumer's
    own line records it (this one is for debugging)."""
    log.debug("materials of production order %s released", event.production_order_id)


async def when_production_rejected(tx: Delivery, event: ProductionRejected) -> None:
    """Inventory could not apply the completion: back in progress, with its reason, so the
    operator records it again (with other lots or quantities)."""
    conn, envelope = tx.conn, tx.envelope
    order = await repository.order_for_update(conn, event.production_order_id)
    if order is None or not domain.can_move(order.status, S.IN_PROGRESS):
        log.warning("ignoring %s for production order %s", event.TYPE, event.production_order_id)
        return
    await repository.save_completion(
        conn,
        order.id,
        output=None,
        output_lot_code=None,
        produced_on=None,
        expires_on=None,
        consumed=(),
    )
    _, change = await move(
        conn, order, S.IN_PROGRESS, reason=f"completion rejected by inventory: {event.reason}"
    )
    await publish(conn, [change], cause=envelope)


async def when_production_recorded(tx: Delivery, event: ProductionRecorded) -> None:
    """The output lot exists now: remember its code (and the output as inventory counts it)."""
    conn = tx.conn
    await repository.set_output_lot(
        conn, event.production_order_id, lot_code=event.output_lot_code, output=event.output
    )
