"""A recall puts the open orders that hold stock of a recalled lot on hold, with the reason,
so none of them ships it (shipping refuses an order on hold)."""

from __future__ import annotations

import logging

from services.orders import domain, holds, repository
from shared import outbox
from shared.consuming import Delivery
from shared.contracts.inventory import RecallApplied
from shared.contracts.orders import OrderStatus, OrderStatusChanged

log = logging.getLogger(__name__)
CONSUMER = "orders"


def hold_reason(event: RecallApplied) -> str:
    lots = sorted({r.lot_code for r in event.reservations})
    return f"{holds.RECALL} {event.reason} (lots {', '.join(lots)})"


async def hold_orders_on_recalled_lots(tx: Delivery, event: RecallApplied) -> None:
    """Each affected order that may still go on hold does, once; shipped ones cannot."""
    conn, envelope = tx.conn, tx.envelope
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
        changes.append(change)
    await outbox.add(
        conn,
        changes,
        correlation_id=envelope.correlation_id or envelope.event_id,
        causation_id=envelope.event_id,
    )
