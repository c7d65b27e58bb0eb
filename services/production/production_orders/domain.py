"""Production orders: how they are planned, how their status moves, how operators combine,
split and complete them, and what a customer order's cancellation means for them.

Pure: no I/O. Functions return the new state and the events that announce it; a move the
production order's life does not allow raises ``IllegalTransition``. Checking a completion
record against stock lives beside it, in ``completion_rules``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID

from services.production.recipes import recipe_rules
from shared.contracts.base import Event
from shared.contracts.inventory import MaterialNeed, MaterialShortage, Shortage
from shared.contracts.production import (
    Demand,
    MaterialsRequested,
    ProductionOrderDemandsChanged,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
    ProductionStatus,
)
from shared.units import Quantity, UnitError, convert

S = ProductionStatus

ALLOWED: dict[ProductionStatus, frozenset[ProductionStatus]] = {
    S.PLANNED: frozenset({S.MATERIALS_RESERVED, S.BLOCKED_ON_MATERIALS, S.CANCELLED}),
    # → planned: the materials were requested again (split, combine); inventory re-answers.
    S.MATERIALS_RESERVED: frozenset(
        {S.IN_PROGRESS, S.BLOCKED_ON_MATERIALS, S.PLANNED, S.CANCELLED}
    ),
    S.BLOCKED_ON_MATERIALS: frozenset({S.MATERIALS_RESERVED, S.PLANNED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED}),
    # → in progress: inventory rejected the recorded completion; the operator records again.
    S.COMPLETED: frozenset({S.IN_PROGRESS}),
    S.CANCELLED: frozenset(),
}

NOT_STARTED = frozenset({S.PLANNED, S.MATERIALS_RESERVED, S.BLOCKED_ON_MATERIALS})
OPEN = NOT_STARTED | {S.IN_PROGRESS}


class IllegalTransition(ValueError):
    """A status change the production order's life does not allow; names the current status."""


class PlanningRefused(ValueError):
    """An operator request that cannot describe real production (e.g. splitting off nothing)."""


def can_move(current: ProductionStatus, target: ProductionStatus) -> bool:
    return target in ALLOWED[current]


def check_move(production_order_id: UUID, current: ProductionStatus, target: S) -> None:
    if not can_move(current, target):
        raise IllegalTransition(
            f"production order {production_order_id} is {current.value}; "
            f"it cannot become {target.value}"
        )


@dataclass(frozen=True)
class ProductionOrder:
    """A production order as the rules see it; ``demands`` in their creation order."""

    id: UUID
    item_code: str
    quantity: Quantity
    status: ProductionStatus
    demands: tuple[Demand, ...] = ()
    parent_id: UUID | None = None
    recipe_version: int | None = None
    number: str | None = None  # MO-00042 once stored (``number_rules``)

    @property
    def started(self) -> bool:
        return self.status not in NOT_STARTED


def transition(
    order: ProductionOrder,
    target: ProductionStatus,
    *,
    reason: str | None = None,
    shortages: Sequence[MaterialShortage] = (),
) -> tuple[ProductionOrder, ProductionOrderStatusChanged]:
    """The order after a legal move, and the event that says which lines it serves now."""
    check_move(order.id, order.status, target)
    moved = replace(order, status=target)
    return moved, status_event(moved, previous=order.status, reason=reason, shortages=shortages)


def status_event(
    order: ProductionOrder,
    *,
    previous: ProductionStatus | None,
    reason: str | None = None,
    shortages: Sequence[MaterialShortage] = (),
) -> ProductionOrderStatusChanged:
    return ProductionOrderStatusChanged(
        production_order_id=order.id,
        number=order.number,
        item_code=order.item_code,
        previous=previous,
        status=order.status,
        reason=reason,
        demands=order.demands,
        shortages=tuple(shortages),
    )


def demands_event(order: ProductionOrder) -> ProductionOrderDemandsChanged:
    return ProductionOrderDemandsChanged(
        production_order_id=order.id,
        number=order.number,
        item_code=order.item_code,
        quantity=order.quantity,
        status=order.status,
        demands=order.demands,
    )


# --- planning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How much to make of an item and what to ask inventory for; ``reason`` explains a plan
    made without a recipe (nothing is requested then)."""

    quantity: Quantity
    recipe_version: int | None
    batches: Decimal | None
    materials: tuple[MaterialNeed, ...]
    reason: str | None = None


def plan(
    item_code: str,
    wanted: Quantity,
    recipe: recipe_rules.Recipe | None,
    items: Mapping[str, recipe_rules.ItemInfo],
) -> Plan:
    """Whole batches where the recipe says so, and its materials one level down
    (intermediates are requested like any material)."""
    if recipe is None:
        return Plan(wanted, None, None, (), reason=f"no active recipe for {item_code}")
    try:
        planned = recipe_rules.plan_batches(recipe, wanted)
        needs = recipe_rules.requirements(recipe, planned, items)
        count = recipe_rules.batches(recipe, planned)
    except recipe_rules.RecipeError as error:
        return Plan(
            wanted,
            recipe.version,
            None,
            (),
            reason=f"cannot plan {item_code} with recipe v{recipe.version}: {error}",
        )
    materials = tuple(MaterialNeed(item_code=n.item_code, quantity=n.quantity) for n in needs)
    return Plan(planned, recipe.version, count, materials)


@dataclass(frozen=True)
class NewProductionOrder:
    """A production order about to be created, and what creating it announces."""

    order: ProductionOrder
    plan: Plan
    note: str | None = None

    @property
    def reason(self) -> str | None:
        return self.plan.reason or self.note

    def numbered(self, number: str) -> NewProductionOrder:
        """The same order once the database gave it its number."""
        return replace(self, order=replace(self.order, number=number))

    def events(self) -> list[Event]:
        """Planned, born planned (with the reason when there is one), and its materials
        requested when the recipe names them: one key, so they stay in this order."""
        order = self.order
        planned = ProductionOrderPlanned(
            production_order_id=order.id,
            number=order.number,
            item_code=order.item_code,
            quantity=order.quantity,
            demands=order.demands,
            recipe_version=order.recipe_version,
            parent_production_order_id=order.parent_id,
        )
        born = status_event(order, previous=None, reason=self.reason)
        return [planned, born, *materials_requested(order, self.plan)]


def materials_requested(order: ProductionOrder, the_plan: Plan) -> list[MaterialsRequested]:
    """Nothing to ask for without a recipe; otherwise the request replaces any earlier one."""
    if not the_plan.materials:
        return []
    return [
        MaterialsRequested(
            production_order_id=order.id, item_code=order.item_code, materials=the_plan.materials
        )
    ]


def replanned(order: ProductionOrder, demands: Sequence[Demand], the_plan: Plan) -> ProductionOrder:
    return replace(
        order,
        demands=tuple(demands),
        quantity=the_plan.quantity,
        recipe_version=the_plan.recipe_version,
    )


def new_production_order(
    production_order_id: UUID,
    item_code: str,
    demands: Sequence[Demand],
    the_plan: Plan,
    *,
    parent_id: UUID | None = None,
    note: str | None = None,
) -> NewProductionOrder:
    return NewProductionOrder(
        order=ProductionOrder(
            id=production_order_id,
            item_code=item_code,
            quantity=the_plan.quantity,
            status=S.PLANNED,
            demands=tuple(demands),
            parent_id=parent_id,
            recipe_version=the_plan.recipe_version,
        ),
        plan=the_plan,
        note=note,
    )


def total_demand(demands: Sequence[Demand]) -> Quantity:
    """The demands summed in the first one's unit; demands that cannot convert are refused."""
    if not demands:
        raise PlanningRefused("no demand to plan for")
    unit = demands[0].quantity.unit
    try:
        return sum((convert(d.quantity, unit) for d in demands), Quantity.zero(unit))
    except UnitError as error:
        raise PlanningRefused(f"demands cannot be added up: {error}") from error


@dataclass(frozen=True)
class DemandGroup:
    """The lines of one order short of one item, to be made by one production order."""

    key: str
    item_code: str
    demands: tuple[Demand, ...]

    @property
    def wanted(self) -> Quantity:
        return total_demand(self.demands)


def group_shortages(order_id: UUID, shortages: Sequence[Shortage]) -> list[DemandGroup]:
    """One group per item short on the order (per unit, should lines differ in unit)."""
    grouped: dict[tuple[str, str], list[Shortage]] = {}
    for shortage in shortages:
        if shortage.missing.is_positive:
            grouped.setdefault((shortage.item_code, shortage.missing.unit), []).append(shortage)
    groups: list[DemandGroup] = []
    seen_items: set[str] = set()
    for (item_code, unit), group in sorted(grouped.items()):
        key = item_code if item_code not in seen_items else f"{item_code}:{unit}"
        seen_items.add(item_code)
        demands = tuple(
            Demand(order_id=order_id, line_no=s.line_no, quantity=s.missing) for s in group
        )
        groups.append(DemandGroup(key=key, item_code=item_code, demands=demands))
    return groups


def intermediates_to_make(
    shortages: Sequence[MaterialShortage],
    *,
    has_recipe: Callable[[str], bool],
    open_children: frozenset[str],
) -> list[MaterialShortage]:
    """Short materials production can make itself and is not making yet for this parent."""
    return [
        s
        for s in shortages
        if s.missing.is_positive and has_recipe(s.item_code) and s.item_code not in open_children
    ]


# --- answers from inventory ----------------------------------------------------------------


def after_materials_reserved(current: ProductionStatus) -> ProductionStatus | None:
    """Where a MaterialsReserved takes the order; None: too late, ignore it. Already
    reserved or started: the newer answer replaces the held lots (a recall moved them to
    other lots), the status stays."""
    if current in (S.PLANNED, S.BLOCKED_ON_MATERIALS, S.MATERIALS_RESERVED):
        return S.MATERIALS_RESERVED
    if current is S.IN_PROGRESS:
        return S.IN_PROGRESS
    return None


def after_materials_short(current: ProductionStatus) -> ProductionStatus | None:
    """Where a MaterialsShort takes the order; None: too late, ignore it. Already blocked:
    the newer shortages replace the old ones and are announced again."""
    if current in NOT_STARTED:
        return S.BLOCKED_ON_MATERIALS
    return None


def shortage_reason(shortages: Sequence[MaterialShortage]) -> str:
    """``short of FLOUR 2 kg (Mill & Co, 5 days)``: what is missing and when it can come."""
    parts = []
    for s in shortages:
        supply = ", ".join(
            x
            for x in (
                s.supplier,
                None if s.lead_time_days is None else f"{s.lead_time_days} days",
            )
            if x
        )
        parts.append(f"{s.item_code} {s.missing}" + (f" ({supply})" if supply else ""))
    return "short of " + "; ".join(parts) if parts else "short of materials"


# --- operator: combine and split ----------------------------------------------------


def check_combinable(orders: Sequence[ProductionOrder]) -> None:
    """At least two distinct orders of one item, none started, none made for a parent."""
    if len({o.id for o in orders}) < 2:
        raise PlanningRefused("combine needs at least two different production orders")
    items = sorted({o.item_code for o in orders})
    if len(items) > 1:
        raise PlanningRefused(f"only production orders of one item combine, not {items}")
    for order in orders:
        if order.started:
            raise IllegalTransition(
                f"production order {order.id} is {order.status.value}; "
                "only orders not started yet can be combined"
            )
        if order.parent_id is not None:
            raise PlanningRefused(
                f"production order {order.id} makes {order.item_code} for production order "
                f"{order.parent_id}; combine the parents instead"
            )


def union_demands(orders: Sequence[ProductionOrder]) -> tuple[Demand, ...]:
    """Every order line served by any of ``orders``, in the order given; a line served by
    several is served once, for the sum."""
    merged: dict[tuple[UUID, int], Demand] = {}
    for order in orders:
        for d in order.demands:
            key = (d.order_id, d.line_no)
            known = merged.get(key)
            if known is None:
                merged[key] = d
            else:
                try:
                    total = known.quantity + convert(d.quantity, known.quantity.unit)
                except UnitError as error:
                    raise PlanningRefused(
                        f"order line {d.order_id}/{d.line_no} cannot be added up: {error}"
                    ) from error
                merged[key] = Demand(order_id=d.order_id, line_no=d.line_no, quantity=total)
    return tuple(merged.values())


def split_demands(
    order: ProductionOrder, lines: Sequence[tuple[UUID, int]]
) -> tuple[tuple[Demand, ...], tuple[Demand, ...]]:
    """(moved, kept): the named order lines leave; at least one must stay and one leave."""
    if order.started:
        raise IllegalTransition(
            f"production order {order.id} is {order.status.value}; "
            "only orders not started yet can be split"
        )
    wanted = set(lines)
    if not wanted:
        raise PlanningRefused("name at least one order line to split off")
    if len(wanted) != len(lines):
        raise PlanningRefused("an order line is named twice")
    served = {(d.order_id, d.line_no) for d in order.demands}
    unknown = sorted(wanted - served)
    if unknown:
        named = ", ".join(f"{o}/{n}" for o, n in unknown)
        raise PlanningRefused(f"production order {order.id} does not serve order line(s) {named}")
    if wanted == served:
        raise PlanningRefused(
            f"splitting off every order line would leave production order {order.id} empty"
        )
    moved = tuple(d for d in order.demands if (d.order_id, d.line_no) in wanted)
    kept = tuple(d for d in order.demands if (d.order_id, d.line_no) not in wanted)
    return moved, kept


# --- customer order cancelled --------------------------------------------------------------


def without_order(order: ProductionOrder, order_id: UUID) -> ProductionOrder:
    return replace(order, demands=tuple(d for d in order.demands if d.order_id != order_id))


def cancels_when_unneeded(order: ProductionOrder) -> bool:
    """Serving no one and not started: nothing is lost by not making it."""
    return not order.demands and not order.started
