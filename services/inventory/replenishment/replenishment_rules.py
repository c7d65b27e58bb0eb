"""Pure make-to-stock rules: when an item needs replenishing, how much, and how fast it goes.

- Available stock is on hand − reserved over the item's lots (base unit).
- An item needs replenishing when available falls under its reorder point (strictly).
- The suggested quantity brings available up to the target, rounded up to whole packs when
  the rule names a pack size (the supplier's pack for bought items). Made items are rounded
  to whole batches by production when it plans the order (it owns the recipes).
- What is already coming counts as stock (``stock_position``): the remainder of each open
  purchase order of the item, and each accepted production suggestion whose production
  order has no output lot yet (``on_order``). ``suggest`` is the whole decision;
  ``reorder_watch`` only fetches its inputs and writes the suggestion.
- Daily demand is a moving average: what left stock (consumed by production, shipped) over
  the last ``DEMAND_WINDOW_DAYS`` days, divided by the window. It tells how long the
  available stock lasts (``days_of_cover``); it does not change the quantity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from services.inventory.errors import InventoryError

DEMAND_WINDOW_DAYS = 28
MADE_KINDS = frozenset({"finished_good", "intermediate"})


class SuggestionKind(StrEnum):
    PRODUCTION = "production"
    PURCHASE = "purchase"


class SuggestionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class ReorderRule:
    """Min/max for one item, in its base unit."""

    item_code: str
    reorder_point: Decimal
    target: Decimal
    pack_size: Decimal | None = None

    def __post_init__(self) -> None:
        if self.reorder_point < 0:
            raise InventoryError(f"{self.item_code}: the reorder point cannot be negative")
        if self.target <= self.reorder_point:
            raise InventoryError(
                f"{self.item_code}: the target ({self.target}) must be above the reorder "
                f"point ({self.reorder_point})"
            )
        if self.pack_size is not None and self.pack_size <= 0:
            raise InventoryError(f"{self.item_code}: the pack size must be positive")


def kind_for(item_kind: str) -> SuggestionKind:
    """Finished goods and intermediates are made; raw materials and packaging are bought."""
    return SuggestionKind.PRODUCTION if item_kind in MADE_KINDS else SuggestionKind.PURCHASE


def stock_position(available: Decimal, on_order: Decimal) -> Decimal:
    """What a reorder point is compared with: stock free now plus what is already coming
    (open purchase orders, accepted production not yet made), so an accepted suggestion is
    not suggested again by the next stock movement."""
    return available + on_order


def needs_replenishment(available: Decimal, rule: ReorderRule) -> bool:
    return available < rule.reorder_point


def suggested_quantity(available: Decimal, rule: ReorderRule) -> Decimal:
    """Up to the target, in whole packs when there is a pack size."""
    short = rule.target - available
    if rule.pack_size is None:
        return short
    packs = (short / rule.pack_size).to_integral_value(ROUND_CEILING)
    return packs * rule.pack_size


@dataclass(frozen=True)
class OpenPurchase:
    """An open purchase order of the item, in its base unit."""

    quantity: Decimal
    received: Decimal


@dataclass(frozen=True)
class AcceptedProduction:
    """An accepted production suggestion of the item; ``made`` once its production order
    has an output lot."""

    quantity: Decimal
    made: bool


@dataclass(frozen=True)
class Suggestion:
    """A replenishment to suggest; ``available`` is what it was computed from."""

    item_code: str
    kind: SuggestionKind
    quantity: Decimal
    unit: str
    available: Decimal


def on_order(
    purchases: Iterable[OpenPurchase], production: Iterable[AcceptedProduction]
) -> Decimal:
    """Still to come: open purchase orders' remainder, and accepted production not yet made."""
    coming = sum((p.quantity - p.received for p in purchases), Decimal(0))
    return coming + sum((p.quantity for p in production if not p.made), Decimal(0))


def suggest(
    rule: ReorderRule,
    *,
    item_kind: str,
    unit: str,
    available: Decimal,
    coming: Decimal,
) -> Suggestion | None:
    """A suggestion when free stock plus what is coming is under the reorder point: made or
    bought by the item's kind, up to the target counting what is coming."""
    position = stock_position(available, coming)
    if not needs_replenishment(position, rule):
        return None
    return Suggestion(
        item_code=rule.item_code,
        kind=kind_for(item_kind),
        quantity=suggested_quantity(position, rule),
        unit=unit,
        available=available,
    )


def daily_demand(
    outflows: Iterable[tuple[date, Decimal]],
    *,
    today: date,
    window_days: int = DEMAND_WINDOW_DAYS,
) -> Decimal:
    """The moving average of what left stock per day over the window ending today."""
    since = today - timedelta(days=window_days - 1)
    total = sum((abs(q) for on, q in outflows if since <= on <= today), Decimal(0))
    return total / window_days


def days_of_cover(available: Decimal, demand_per_day: Decimal) -> Decimal | None:
    """How many days available stock lasts at that pace; None when nothing is moving."""
    if demand_per_day <= 0:
        return None
    return (max(available, Decimal(0)) / demand_per_day).quantize(Decimal("0.1"))
