"""A recall puts the open orders that hold stock of a recalled lot on hold, with the reason,
so none of them ships it (shipping refuses an order on hold); its withdrawal releases them."""

from __future__ import annotations

import logging

from services.orders import domain, repository
from services.orders.holds import holds
from shared.consuming import Delivery
from shared.contracts.inventory import RecallApplied, RecallLifted
from shared.contracts.orders import OrderStatus, OrderStatusChanged

log = logging.getLogger(__name__)


def hold_reason(event: RecallApplied) -> str:
    lots = sorted({r.lot_code for r in event.reservations})
    return f"{holds.RECALL} {event.reason} (lots {', '.join(lots)})"


async def hold_orders_on_recalled_lots(tx: Delivery, event: RecallApplied) -> None:
    """Each affected order that may still go on hold does, once; shipped ones cannot."""
    conn = tx.conn
    changes: list[OrderStatusChanged] = []
    for order_id in sorted({r.order_id for r in event.reservations}):
        current = await repository.status_for_update(conn, order_id)
        if current is None or not domain.can_move(current, OrderStatus.ON_HOLD):
            log.warning("recall %s: order %s is %s, not held", event.recall_id, order_id, current)
            continue
        change = domain.transition(
            order_id, current, OrderStatus.ON_HOLD, reason=hold_reason(event)
        )
        await repository.record_status(conn, change)
        await repository.set_held_by_recall(conn, order_id, event.recall_id)
        changes.append(change)
    await tx.publish(changes)


async def release_orders_of_lifted_recall(tx: Delivery, event: RecallLifted) -> None:
    """The recall was withdrawn and its lots count again: every order it put on hold (and
    still on hold) goes back to the status it had, with the withdrawal's reason."""
    conn = tx.conn
    changes: list[OrderStatusChanged] = []
    for order_id in await repository.held_by_recall(conn, event.recall_id):
        current = await repository.status_for_update(conn, order_id)
        await repository.set_held_by_recall(conn, order_id, None)
        if current is not OrderStatus.ON_HOLD:
            continue
        head = await repository.order_head(conn, order_id)
        change = domain.after_recall_lifted(
            order_id,
            await repository.status_before_hold(conn, order_id),
            await repository.production_statuses(conn, order_id),
            missing=repository.missing_materials_of(head),
            reason=f"recall withdrawn: {event.reason}",
        )
        if change is None:
            log.warning("recall %s lifted: order %s stays on hold", event.recall_id, order_id)
            continue
        await repository.record_status(conn, change)
        changes.append(change)
    await tx.publish(changes)
