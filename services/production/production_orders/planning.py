"""Planning production orders: make-to-order from a stock shortage, intermediates for a
blocked parent, and the operator's combine, split and re-plan.

Planned quantities come from the item's active recipe (yield allowance, whole batches where
it says so); materials are requested one level down, intermediates like any material.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import read_models
from services.production.production_orders import domain, repository
from services.production.recipes import recipe_book, recipe_rules
from services.production.service import (
    NotFound,
    ProductionError,
    cancel_with_children,
    move,
    publish,
)
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.inventory import MaterialShortage, StockShort
from shared.contracts.production import Demand, ProductionStatus
from shared.units import Quantity

S = ProductionStatus


def make_to_order_id(order_id: UUID, key: str) -> UUID:
    """The same shortage always names the same production order, whoever sees it twice."""
    return uuid5(NAMESPACE_URL, f"lotline:production:{order_id}:{key}")


def child_id(parent_id: UUID, item_code: str, nth: int) -> UUID:
    """The ``nth`` production order of ``item_code`` made for ``parent_id``."""
    return uuid5(NAMESPACE_URL, f"lotline:production:{parent_id}:makes:{item_code}:{nth}")


async def plan_for_stock_short(tx: Delivery, event: StockShort) -> None:
    """Make-to-order: what finished stock could not cover becomes planned production, one
    production order per short item, with its materials requested."""
    conn, envelope = tx.conn, tx.envelope
    if await repository.is_cancelled(conn, event.order_id):
        return  # the cancellation overtook the shortage: nothing to make
    groups = domain.group_shortages(event.order_id, event.shortages)
    recipes_by_item, items = await planning_context(conn, [g.item_code for g in groups])
    events: list[Event] = []
    for group in groups:
        new = domain.new_production_order(
            make_to_order_id(event.order_id, group.key),
            group.item_code,
            group.demands,
            domain.plan(group.item_code, group.wanted, recipes_by_item.get(group.item_code), items),
        )
        if created := await repository.insert_production_order(conn, new):
            events += created.events()
    await publish(conn, events, cause=envelope)


async def plan_intermediates(
    conn: AsyncConnection, parent: domain.ProductionOrder, shortages: Sequence[MaterialShortage]
) -> list[Event]:
    """For each short material production makes itself, one child production order for
    what is missing — unless one is already open for this parent. Its output becomes free
    stock, and inventory retries the parent's waiting request when it arrives."""
    children = await repository.children_by_item(conn, parent.id)
    open_children = frozenset(item for item, status in children if S(status) in domain.OPEN)
    recipes_by_item, items = await planning_context(conn, [s.item_code for s in shortages])
    events: list[Event] = []
    for shortage in domain.intermediates_to_make(
        shortages, has_recipe=recipes_by_item.__contains__, open_children=open_children
    ):
        code = shortage.item_code
        nth = sum(1 for item, _ in children if item == code)
        new = domain.new_production_order(
            child_id(parent.id, code, nth),
            code,
            (),
            domain.plan(code, shortage.missing, recipes_by_item.get(code), items),
            parent_id=parent.id,
            note=f"makes {shortage.missing} {code} for production order {_name(parent)}",
        )
        if created := await repository.insert_production_order(conn, new):
            events += created.events()
    return events


async def combine(engine: AsyncEngine, ids: Sequence[UUID]) -> UUID:
    """One production order for every order line the given ones serve, planned from the
    summed demand; the old ones are cancelled (inventory releases what they held)."""
    async with engine.begin() as conn:
        orders = await repository.orders_for_update(conn, ids)
        missing = sorted(set(ids) - {o.id for o in orders})
        if missing:
            raise NotFound(f"no production order {', '.join(map(str, missing))}")
        domain.check_combinable(orders)
        item_code = orders[0].item_code
        demands = domain.union_demands(orders)
        recipes_by_item, items = await planning_context(conn, [item_code])
        the_plan = plan_for(item_code, demands, recipes_by_item=recipes_by_item, items=items)
        new = domain.new_production_order(
            uuid4(),
            item_code,
            demands,
            the_plan,
            note="combines " + ", ".join(_name(o) for o in orders),
        )
        events: list[Event] = []
        for old in orders:
            emptied = replace(old, demands=())
            await repository.replace_demands(conn, emptied)
            events.append(domain.demands_event(emptied))
        created = await _created(conn, new)
        for old in orders:
            emptied = replace(old, demands=())
            events += await cancel_with_children(
                conn, emptied, reason=f"combined into {_name(created.order)}"
            )
        await publish(conn, [*events, *created.events()])
    return new.order.id


async def split(
    engine: AsyncEngine, production_order_id: UUID, lines: Sequence[tuple[UUID, int]]
) -> UUID:
    """The named order lines move to a new production order planned for them; the original
    is re-planned for what it still serves. Both request their materials (again)."""
    async with engine.begin() as conn:
        order = await repository.order_for_update(conn, production_order_id)
        if order is None:
            raise NotFound(f"no production order {production_order_id}")
        moved, kept = domain.split_demands(order, lines)
        recipes_by_item, items = await planning_context(conn, [order.item_code])
        new = domain.new_production_order(
            uuid4(),
            order.item_code,
            moved,
            plan_for(order.item_code, moved, recipes_by_item=recipes_by_item, items=items),
            note=f"split from production order {_name(order)}",
        )
        events = await replan_for(conn, order, kept, recipes_by_item, items, why="split")
        events += (await _created(conn, new)).events()
        await publish(conn, events)
    return new.order.id


async def replan(engine: AsyncEngine, production_order_id: UUID) -> None:
    """Plan a not-started order again with the item's current active recipe, e.g. once a
    recipe exists for an order planned without one; its materials are requested (again)."""
    async with engine.begin() as conn:
        order = await repository.order_for_update(conn, production_order_id)
        if order is None:
            raise NotFound(f"no production order {production_order_id}")
        if order.started:
            raise domain.IllegalTransition(
                f"production order {order.id} is {order.status.value}; "
                "only orders not started yet can be planned again"
            )
        recipes_by_item, items = await planning_context(conn, [order.item_code])
        events = await replan_for(
            conn, order, order.demands, recipes_by_item, items, why="re-planned"
        )
        await publish(conn, events)


async def replan_for(
    conn: AsyncConnection,
    order: domain.ProductionOrder,
    demands: Sequence[Demand],
    recipes_by_item: dict[str, recipe_rules.Recipe],
    items: dict[str, recipe_rules.ItemInfo],
    *,
    why: str,
) -> list[Event]:
    the_plan = plan_for(
        order.item_code,
        demands,
        fallback=order.quantity,
        recipes_by_item=recipes_by_item,
        items=items,
    )
    changed = domain.replanned(order, demands, the_plan)
    await repository.save_plan(conn, changed, the_plan)
    events: list[Event] = []
    if changed.demands != order.demands or changed.quantity != order.quantity:
        events.append(domain.demands_event(changed))  # it carries the new quantity too
    reason = the_plan.reason or f"{why}: materials requested again"
    if changed.status is not S.PLANNED:
        changed, change = await move(conn, changed, S.PLANNED, reason=reason)
        events.append(change)
    events += domain.materials_requested(changed, the_plan)
    return events


async def planning_context(
    conn: AsyncConnection, item_codes: Sequence[str]
) -> tuple[dict[str, recipe_rules.Recipe], dict[str, recipe_rules.ItemInfo]]:
    """The active recipes of ``item_codes`` and the items their lines name: all a plan one
    level down reads (``domain.plan``), not every recipe and item production knows of."""
    recipes = await recipe_book.active_recipes(conn, item_codes)
    named = {line.item_code for recipe in recipes.values() for line in recipe.lines}
    return recipes, await read_models.item_infos(conn, named)


def plan_for(
    item_code: str,
    wanted_demands: Sequence[Demand] | None,
    *,
    fallback: Quantity | None = None,
    recipes_by_item: Mapping[str, recipe_rules.Recipe],
    items: Mapping[str, recipe_rules.ItemInfo],
) -> domain.Plan:
    """Plan for the sum of ``wanted_demands`` (or ``fallback`` when an order serves none)."""
    if wanted_demands:
        wanted = domain.total_demand(wanted_demands)
    elif fallback is not None:
        wanted = fallback
    else:
        raise ProductionError(f"nothing to plan for {item_code}")
    return domain.plan(item_code, wanted, recipes_by_item.get(item_code), items)


async def _created(
    conn: AsyncConnection, new: domain.NewProductionOrder
) -> domain.NewProductionOrder:
    """An operator's new order (a fresh id, so always inserted), with its number."""
    created = await repository.insert_production_order(conn, new)
    if created is None:
        raise ProductionError(f"production order {new.order.id} exists already")
    return created


def _name(order: domain.ProductionOrder) -> str:
    """How a note names another production order: its number, its id before it had one."""
    return order.number or str(order.id)
