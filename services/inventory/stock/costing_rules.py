"""Unit cost of a lot, exactly: what one base unit of it cost to buy or to make.

- A **received** lot: the receipt's cost is what the whole lot cost, in the receipt's
  currency; the unit cost is that amount divided by the quantity in the item's base unit
  (``5000 g`` of flour received for an item counted in ``kg`` is ``5 kg``).
- A **produced** lot: the cost of the lots really consumed (each consumed quantity, in that
  lot's unit, times that lot's unit cost) plus the line's labour and overhead
  (``cost_per_minute`` times the recorded run time in minutes), divided by the **actual**
  output in its base unit. A short yield divides the same cost by less, so the unit cost
  rises instead of the loss disappearing.
- **Unknown stays unknown**: a lot received without a cost, or made from any input whose
  cost is unknown (or with costs in more than one currency), has no unit cost (``None``),
  never a partial number.

Rounding, stated once: every unit cost is kept at **6 decimal places** (``UNIT_PLACES``),
rounded half-even once, when it is computed; totals (the cost of a production run, of an
order line) are exact products and sums of those unit costs, never rounded on the way.
Money is rounded half-even to cents (``to_cents``) only when it is shown or when an order's
total is summed: the sum of unrounded line costs is rounded once, so no cent is lost or made
up between the lines and the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

from shared.units import Money

UNIT_PLACES = Decimal("0.000001")
CENT = Decimal("0.01")
# Enough digits for any quotient of NUMERIC(18, 6) values before it is rounded to 6 places.
_CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)


class CostError(ValueError):
    """A cost that cannot be computed at all (a zero quantity): a bug upstream, not unknown."""


def unit_cost(total: Decimal, quantity: Decimal) -> Decimal:
    """``total / quantity`` at 6 decimal places, half-even."""
    if quantity <= 0:
        raise CostError(f"cannot spread a cost over {quantity}")
    return _CONTEXT.divide(total, quantity).quantize(UNIT_PLACES, rounding=ROUND_HALF_EVEN)


def to_cents(amount: Decimal) -> Decimal:
    """Money as shown and as summed per order: half-even to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def received_unit_cost(cost: Money | None, base_quantity: Decimal) -> Money | None:
    """A receipt's cost of the whole lot over its quantity in the item's base unit."""
    if cost is None:
        return None
    return Money(amount=unit_cost(cost.amount, base_quantity), currency=cost.currency)


@dataclass(frozen=True)
class ConsumedInput:
    """One consumed lot: the quantity in that lot's unit and its unit cost (None: unknown)."""

    lot_code: str
    quantity: Decimal
    unit_cost: Money | None


def labour_cost(run_minutes: int | None, cost_per_minute: Money | None) -> Money | None:
    """Minutes × the line's rate, exactly; None when it adds nothing (no rate, a rate of 0,
    no recorded minutes), so it imposes no currency."""
    if cost_per_minute is None or not run_minutes or cost_per_minute.amount == 0:
        return None
    if run_minutes < 0:
        raise CostError(f"a run cannot last {run_minutes} minutes")
    return Money(amount=run_minutes * cost_per_minute.amount, currency=cost_per_minute.currency)


def production_run_cost(
    inputs: Sequence[ConsumedInput],
    *,
    run_minutes: int | None = None,
    cost_per_minute: Money | None = None,
    labour: Money | None = None,
) -> Money | None:
    """What a run cost, exactly: its inputs plus its labour (given, or minutes × the line's
    rate). None when an input's cost is unknown or the costs are in more than one currency."""
    currencies: set[str] = set()
    total = Decimal(0)
    for item in inputs:
        if item.unit_cost is None:
            return None
        currencies.add(item.unit_cost.currency)
        total += item.quantity * item.unit_cost.amount
    labour = labour if labour is not None else labour_cost(run_minutes, cost_per_minute)
    if labour is not None:
        currencies.add(labour.currency)
        total += labour.amount
    if len(currencies) != 1:
        return None  # no costed input at all, or several currencies: unknown, not a guess
    return Money(amount=total, currency=currencies.pop())


def produced_unit_cost(
    inputs: Sequence[ConsumedInput],
    *,
    run_minutes: int | None = None,
    cost_per_minute: Money | None = None,
    labour: Money | None = None,
    output: Decimal,
) -> Money | None:
    """The run's cost over the ACTUAL output (in the output item's base unit)."""
    run = production_run_cost(
        inputs, run_minutes=run_minutes, cost_per_minute=cost_per_minute, labour=labour
    )
    if run is None:
        return None
    return Money(amount=unit_cost(run.amount, output), currency=run.currency)
