"""A customer order line now asks for less: the reduction comes off the production serving
it, the part not yet covered first. Pure.

Across several production orders serving the line, the newest demand gives up its share
first (it is the one furthest from being made).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

from services.production.production_orders.domain import ProductionOrder
from shared.contracts.production import Demand
from shared.units import Quantity


def take_off_demands(
    orders: Sequence[ProductionOrder], order_id: UUID, reductions: Mapping[int, Decimal]
) -> list[ProductionOrder]:
    """``orders`` with the reductions (line no → quantity less) taken off their demands of
    ``order_id``, newest production order first; a demand reduced to nothing is dropped.
    ``orders`` come oldest first, as ``repository.orders_for_update`` returns them."""
    left = dict(reductions)
    changed: dict[UUID, ProductionOrder] = {}
    for order in reversed(orders):  # given oldest first
        demands: list[Demand] = []
        for demand in order.demands:
            wanted_off = left.get(demand.line_no, Decimal(0)) if demand.order_id == order_id else 0
            cut = min(wanted_off, demand.quantity.value)
            if cut <= 0:
                demands.append(demand)
                continue
            left[demand.line_no] -= cut
            remaining = demand.quantity.value - cut
            if remaining > 0:
                demands.append(
                    demand.model_copy(
                        update={"quantity": Quantity.of(remaining, demand.quantity.unit)}
                    )
                )
        changed[order.id] = replace(order, demands=tuple(demands))
    return [changed[o.id] for o in orders]
