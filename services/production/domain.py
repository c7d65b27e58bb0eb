"""Make-to-order planning: turn an order's stock shortages into planned production orders.

Pure. One production order per item short on the order; it remembers the order lines it
serves (the customer-order ↔ production-order link).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from shared.contracts.inventory import Shortage
from shared.contracts.production import Demand, ProductionOrderPlanned
from shared.units import Quantity


class ProductionStatus(StrEnum):
    PLANNED = "planned"
    MATERIALS_RESERVED = "materials_reserved"
    BLOCKED_ON_MATERIALS = "blocked_on_materials"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PlannedOrder:
    production_order_id: UUID
    item_code: str
    quantity: Quantity
    demands: tuple[Demand, ...]

    def event(self) -> ProductionOrderPlanned:
        return ProductionOrderPlanned(
            production_order_id=self.production_order_id,
            item_code=self.item_code,
            quantity=self.quantity,
            demands=self.demands,
        )


def plan_for_shortages(
    order_id: UUID, shortages: Sequence[Shortage], *, new_id: Callable[[str], UUID]
) -> list[PlannedOrder]:
    """Group the missing quantities by item and unit; ``new_id(item)`` names each order."""
    grouped: dict[tuple[str, str], list[Shortage]] = defaultdict(list)
    for shortage in shortages:
        if shortage.missing.is_positive:
            grouped[(shortage.item_code, shortage.missing.unit)].append(shortage)
    plans = []
    for (item_code, unit), group in sorted(grouped.items()):
        total = sum((s.missing for s in group), Quantity.zero(unit))
        demands = tuple(
            Demand(order_id=order_id, line_no=s.line_no, quantity=s.missing) for s in group
        )
        plans.append(
            PlannedOrder(
                production_order_id=new_id(item_code),
                item_code=item_code,
                quantity=total,
                demands=demands,
            )
        )
    return plans
