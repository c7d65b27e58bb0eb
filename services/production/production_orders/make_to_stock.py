"""Make-to-stock: an accepted replenishment suggestion becomes a planned production order
serving no customer order (its output is free stock), in whole batches of the active recipe,
with its materials requested. Delivered twice, it plans once (the id comes with the request)."""

from __future__ import annotations

from services.production.production_orders import domain, repository
from services.production.production_orders.planning import planning_context
from services.production.service import publish
from shared.consuming import Delivery
from shared.contracts.inventory import ReplenishmentRequested


async def plan_replenishment(tx: Delivery, event: ReplenishmentRequested) -> None:
    conn, envelope = tx.conn, tx.envelope
    recipes_by_item, items = await planning_context(conn, [event.item_code])
    new = domain.new_production_order(
        event.production_order_id,
        event.item_code,
        (),
        domain.plan(event.item_code, event.quantity, recipes_by_item.get(event.item_code), items),
        note=f"make to stock: suggestion {event.suggestion_id}",
    )
    if created := await repository.insert_production_order(conn, new):
        await publish(conn, created.events(), cause=envelope)
