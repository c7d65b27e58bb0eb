"""Pure rules of a quote: how long a recipe keeps its line busy, and which lines stock covers.

No I/O: ``quotes`` reads the database and hands these functions plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from services.production.recipes.recipe_rules import Recipe


@dataclass(frozen=True)
class Wanted:
    """One quoted line, its quantity already in the item's base unit."""

    line_no: int
    item_code: str
    quantity: Decimal


def minutes_on_line(minutes: int) -> int:
    """A production order on a line takes it for at least a minute, even when its recipe
    records no time: quotes and re-plans both book it (so both wait behind a busy line)."""
    return max(minutes, 1)


def production_minutes(recipe: Recipe, batches: Decimal) -> int:
    """Setup once, then each batch (a part batch counts in proportion), rounded up to a minute.

    A recipe without ``minutes_per_batch`` takes ``duration_minutes`` per batch, so recipes
    written before lines existed still have a duration.
    """
    per_batch = (
        recipe.minutes_per_batch
        if recipe.minutes_per_batch is not None
        else recipe.duration_minutes
    )
    working = (batches * per_batch).to_integral_value(ROUND_CEILING)
    return recipe.setup_minutes + int(working)


def missing_after_stock(
    wanted: Sequence[Wanted], available: Mapping[str, Decimal]
) -> dict[int, Decimal]:
    """What each line still needs once stock is used, lines in order: stock is counted once.

    A line stock covers wholly needs 0; a line it covers in part needs the rest made, as the
    make-to-order plan would make it (production is planned for the missing quantity).
    """
    left = {code: max(value, Decimal(0)) for code, value in available.items()}
    missing: dict[int, Decimal] = {}
    for line in sorted(wanted, key=lambda w: w.line_no):
        stock = left.get(line.item_code, Decimal(0))
        taken = min(stock, line.quantity)
        left[line.item_code] = stock - taken
        missing[line.line_no] = line.quantity - taken
    return missing
