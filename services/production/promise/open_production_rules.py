"""What an open production order still waits for, as the promise counts it. Pure.

- Holding its materials (materials reserved, in progress): nothing.
- Blocked on materials: the shortages inventory reported.
- Planned, not answered by inventory yet: its recipe exploded against the lots production
  has seen, exactly as a quote explodes a line; without an active recipe (or with one that
  cannot be exploded) the item itself is what it waits for.
- An open purchase order of a missing material brings it on the date it covers what is
  missing (``cover_rules.covering_date``).

``open_production`` reads the orders, shortages, recipes and stock and asks these rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

from services.production.promise.plan_rules import Shortfall
from services.production.purchasing import cover_rules
from services.production.recipes import recipe_rules
from shared.contracts.production import ProductionStatus
from shared.units import Quantity

S = ProductionStatus

# A material short: its item code, and how much is missing in which unit when known.
Short = tuple[str, Decimal | None, str | None]


def waits_for(
    status: ProductionStatus,
    production_order_id: UUID,
    *,
    exploded: Mapping[UUID, tuple[Shortfall, ...]],
    recorded: Mapping[UUID, tuple[Shortfall, ...]],
) -> tuple[Shortfall, ...]:
    """A planned order waits for its explosion, a blocked one for what inventory reported;
    an order holding its materials waits for nothing."""
    if status is S.PLANNED:
        return exploded.get(production_order_id, ())
    if status is S.BLOCKED_ON_MATERIALS:
        return recorded.get(production_order_id, ())
    return ()


def unanswered_shorts(
    item_code: str,
    wanted: Quantity,
    *,
    items: Mapping[str, recipe_rules.ItemInfo],
    recipes: Mapping[str, recipe_rules.Recipe],
    available: Mapping[str, Decimal],
) -> list[Short]:
    """A planned order inventory has not answered: what its recipe lacks, as a quote
    would see it; the item itself when it has no active recipe or cannot be exploded."""
    if item_code not in recipes or item_code not in items:
        return [(item_code, None, None)]
    try:
        explosion = recipe_rules.explode(
            item_code, wanted, items=items, recipes=recipes, available=available
        )
    except recipe_rules.RecipeError:
        return [(item_code, None, None)]
    return [(m.item_code, m.short.value, m.short.unit) for m in explosion.shortages]


def shortfalls(
    shorts: Sequence[Short], lead_times: Mapping[str, int | None]
) -> tuple[Shortfall, ...]:
    """Each short material with its lead time (none unless it is bought)."""
    return tuple(
        Shortfall(code, lead_times.get(code), missing=missing, unit=unit)
        for code, missing, unit in shorts
    )


def with_purchase_order(
    shortfall: Shortfall, arrivals: Mapping[str, Sequence[cover_rules.Expected]]
) -> Shortfall:
    """Open purchase orders of the item bring it once they cover what is missing."""
    expected = cover_rules.covering_date(shortfall.missing, arrivals.get(shortfall.item_code, ()))
    if expected is None:
        return shortfall
    return replace(shortfall, expected_on=expected)
