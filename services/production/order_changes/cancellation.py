"""A customer order was cancelled: the production made only for it stops, the production
that still serves other orders keeps going (its surplus becomes free stock at completion)."""

from __future__ import annotations

from services.production.production_orders import domain, repository
from services.production.service import cancel_with_children, publish
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.orders import OrderCancelled


async def when_order_cancelled(tx: Delivery, event: OrderCancelled) -> None:
    """Drop the order's lines from every open production order; cancel those left serving
    no one that have not started (with the not-started orders made for them)."""
    conn, envelope = tx.conn, tx.envelope
    await repository.remember_cancelled(conn, event.order_id)
    orders = await repository.orders_for_update(
        conn, await repository.open_orders_serving(conn, event.order_id)
    )
    events: list[Event] = []
    for order in orders:
        remaining = domain.without_order(order, event.order_id)
        await repository.replace_demands(conn, remaining)
        events.append(domain.demands_event(remaining))
        if domain.cancels_when_unneeded(remaining):
            events += await cancel_with_children(
                conn, remaining, reason=f"order {event.order_id} cancelled"
            )
    await publish(conn, events, cause=envelope)
