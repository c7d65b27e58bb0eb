"""A customer order's lines were reduced on the channel: production made for them shrinks.

A production order not started is planned again for what it still serves (fewer batches,
materials requested again) or, serving no one any more, cancelled with the not-started
orders made for it. A started one keeps going: its demands shrink, so at completion the
output beyond them is free stock.
"""

from __future__ import annotations

from services.production.order_changes.reduction_rules import take_off_demands
from services.production.production_orders import domain, repository
from services.production.production_orders.planning import planning_context, replan_for
from services.production.service import cancel_with_children, publish
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.orders import OrderLinesReduced


async def when_order_lines_reduced(tx: Delivery, event: OrderLinesReduced) -> None:
    conn, envelope = tx.conn, tx.envelope
    reductions = {line.line_no: line.reduced_by.value for line in event.lines}
    orders = await repository.orders_for_update(
        conn, await repository.open_orders_serving(conn, event.order_id)
    )
    events: list[Event] = []
    for before, after in zip(
        orders, take_off_demands(orders, event.order_id, reductions), strict=True
    ):
        if after.demands == before.demands:
            continue
        if after.started or domain.cancels_when_unneeded(after):
            await repository.replace_demands(conn, after)
            events.append(domain.demands_event(after))
            if not after.started:
                events += await cancel_with_children(
                    conn, after, reason=f"order {event.order_id} reduced on the channel"
                )
            continue
        recipes_by_item, items = await planning_context(conn, [before.item_code])
        events += await replan_for(
            conn, before, after.demands, recipes_by_item, items, why="order reduced"
        )
    await publish(conn, events, cause=envelope)
