"""Applying a production completion, pure: ``complete`` takes what inventory loaded (the
consumed lots, what this production order holds, the demands' orders) and returns what
happens — the consumptions, the output lot (``stock_entry_rules``), its allocation to the
customer order lines it was made for, and the events. ``production.apply_completion`` only
loads those facts and writes the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.inventory.reservations.domain import Lot
from services.inventory.reservations.shelf_life_rules import ShelfLifeRule, lot_meets
from services.inventory.stock.costing_rules import ConsumedInput, labour_cost
from services.inventory.stock.stock_entry_rules import ProductionOutput, StockEntry, enter_stock
from shared.contracts.base import Event
from shared.contracts.inventory import (
    MaterialLot,
    OrderAllocation,
    ProductionRecorded,
    ReservedLot,
    StockAllocated,
)
from shared.contracts.production import Demand, ProductionCompleted
from shared.units import Quantity, UnitError, convert

# What each line of an order asked for and what is reserved for it, keyed (order, line).
Coverage = tuple[Mapping[tuple[UUID, int], Decimal], Mapping[tuple[UUID, int], Decimal]]


class CompletionRefused(ValueError):
    """The completion asks for something stock does not have; nothing is applied."""


@dataclass(frozen=True)
class Consumption:
    lot: Lot
    quantity: Decimal


def check_consumption(
    consumed: Sequence[MaterialLot],
    lots: Mapping[str, Lot],
    *,
    held_by_this_order: Mapping[int, Decimal],
) -> list[Consumption]:
    """Each consumed lot exists, is the item it claims, and has the quantity free for this
    production order: on hand minus what *others* have reserved."""
    wanted: dict[str, Decimal] = {}
    for item in consumed:
        lot = lots.get(item.lot_code)
        if lot is None:
            raise CompletionRefused(f"unknown lot {item.lot_code}")
        if lot.blocked:
            raise CompletionRefused(f"lot {item.lot_code} is blocked by a recall")
        if lot.quarantined:
            raise CompletionRefused(f"lot {item.lot_code} is in quarantine (returned goods)")
        if lot.item_code != item.item_code:
            raise CompletionRefused(
                f"lot {item.lot_code} holds {lot.item_code}, not {item.item_code}"
            )
        try:
            value = convert(item.quantity, lot.unit).value
        except UnitError as error:
            raise CompletionRefused(f"lot {item.lot_code}: {error}") from error
        if value <= 0:
            raise CompletionRefused(f"consumption of lot {item.lot_code} must be positive")
        wanted[item.lot_code] = wanted.get(item.lot_code, Decimal(0)) + value
    result = []
    for lot_code, value in wanted.items():
        lot = lots[lot_code]
        free = lot.on_hand - lot.reserved + held_by_this_order.get(lot.id, Decimal(0))
        if value > free:
            raise CompletionRefused(
                f"lot {lot_code} has only {format(free.normalize(), 'f')} {lot.unit} "
                f"free to consume, not {format(value.normalize(), 'f')}"
            )
        result.append(Consumption(lot=lot, quantity=value))
    return result


def demands_within_shelf_life(
    demands: Sequence[Demand],
    rules: Mapping[UUID, ShelfLifeRule],
    *,
    expires_on: date | None,
    produced_on: date | None,
    on: date,
) -> tuple[list[Demand], list[Demand]]:
    """(demands the output lot may serve, demands whose order's minimum shelf-life rule it
    breaks); the order of the demands is kept."""
    fit: list[Demand] = []
    refused: list[Demand] = []
    for demand in demands:
        ok = lot_meets(
            rules.get(demand.order_id), expires_on=expires_on, produced_on=produced_on, on=on
        )
        (fit if ok else refused).append(demand)
    return fit, refused


def allocate_output(
    output: Quantity, demands: Sequence[Demand], *, lot_code: str
) -> tuple[OrderAllocation, ...]:
    """Serve the demands in their order until the output runs out; the rest is free stock."""
    remaining = output.value
    allocations = []
    for demand in demands:
        if remaining <= 0:
            break
        try:
            wanted = convert(demand.quantity, output.unit).value
        except UnitError as error:
            raise CompletionRefused(
                f"order {demand.order_id} line {demand.line_no}: {error}"
            ) from error
        take = min(wanted, remaining)
        if take > 0:
            allocations.append(
                OrderAllocation(
                    order_id=demand.order_id,
                    line_no=demand.line_no,
                    lot_code=lot_code,
                    quantity=Quantity.of(take, output.unit),
                )
            )
            remaining -= take
    return tuple(allocations)


def fully_reserved(
    requested: Mapping[tuple[UUID, int], Decimal], reserved: Mapping[tuple[UUID, int], Decimal]
) -> bool:
    """Every requested line of the order is covered by what is reserved for it."""
    return all(reserved.get(key, Decimal(0)) >= value for key, value in requested.items())


@dataclass(frozen=True)
class CompletionFacts:
    """What inventory knows when a completion arrives, loaded before anything is written."""

    event: ProductionCompleted
    base_unit: str | None  # the output item's; None: an unknown item
    lots: Mapping[str, Lot]  # the consumed lots, by code, locked
    held: Mapping[int, Decimal]  # what this production order holds, per lot id
    cancelled: frozenset[UUID]  # the demands' orders inventory knows are cancelled
    shelf_life: Mapping[UUID, ShelfLifeRule]  # the demands' orders' rules, where they have one
    coverage: Mapping[UUID, Coverage]  # the demands' orders, before this allocation
    today: date


@dataclass(frozen=True)
class CompletionOutcome:
    """What applying the completion does, in the order it is written."""

    consumptions: tuple[Consumption, ...]  # each a ``consumption`` movement (``reference``)
    output: StockEntry
    allocations: tuple[OrderAllocation, ...]  # reservations on the output lot
    too_short: tuple[Demand, ...]  # demands whose minimum shelf-life rule the lot breaks
    events: tuple[Event, ...]

    @property
    def reference(self) -> str:
        return f"production:{self.output.production_order_id}"


def output_quantity(event: ProductionCompleted, base_unit: str | None) -> Quantity:
    """The output in the item's base unit, positive, or the completion is refused."""
    if base_unit is None:
        raise CompletionRefused(f"unknown item {event.item_code}")
    try:
        output = convert(event.output, base_unit)
    except UnitError as error:
        raise CompletionRefused(f"output of {event.item_code}: {error}") from error
    if not output.is_positive:
        raise CompletionRefused("the output quantity must be positive")
    return output


def complete(facts: CompletionFacts) -> CompletionOutcome:
    """Consume exactly the recorded lots, make the output lot, and serve the demands in their
    order — skipping cancelled orders and orders whose shelf-life rule the lot breaks."""
    event = facts.event
    output = output_quantity(event, facts.base_unit)
    consumptions = check_consumption(event.consumed, facts.lots, held_by_this_order=facts.held)
    entry = enter_stock(
        ProductionOutput(
            production_order_id=event.production_order_id,
            lot_code=event.output_lot_code,
            produced_on=event.produced_on,
            expires_on=event.expires_on,
            inputs=tuple(
                ConsumedInput(c.lot.lot_code, c.quantity, c.lot.unit_cost) for c in consumptions
            ),
            labour=labour_cost(event.run_minutes, event.cost_per_minute),
        ),
        item_code=event.item_code,
        quantity=output,
    )
    demands, too_short = demands_within_shelf_life(
        [d for d in event.demands if d.order_id not in facts.cancelled],
        facts.shelf_life,
        expires_on=event.expires_on,
        produced_on=event.produced_on,
        on=facts.today,
    )
    allocations = allocate_output(output, demands, lot_code=event.output_lot_code)
    recorded = ProductionRecorded(
        production_order_id=event.production_order_id,
        item_code=event.item_code,
        output_lot_code=event.output_lot_code,
        output=output,
        produced_on=event.produced_on,
        expires_on=event.expires_on,
        consumed=event.consumed,
        allocations=allocations,
    )
    return CompletionOutcome(
        consumptions=tuple(consumptions),
        output=entry,
        allocations=allocations,
        too_short=tuple(too_short),
        events=(entry.received(), recorded, *_allocated(event, allocations, facts.coverage)),
    )


def _allocated(
    event: ProductionCompleted,
    allocations: Sequence[OrderAllocation],
    coverage: Mapping[UUID, Coverage],
) -> list[StockAllocated]:
    """One ``stock_allocated`` per order served, in the order they were first served."""
    announced = []
    for order_id in dict.fromkeys(a.order_id for a in allocations):
        mine = [a for a in allocations if a.order_id == order_id]
        requested, before = coverage.get(order_id, ({}, {}))
        reserved = dict(before)
        for a in mine:
            key = (order_id, a.line_no)
            reserved[key] = reserved.get(key, Decimal(0)) + a.quantity.value
        announced.append(
            StockAllocated(
                order_id=order_id,
                production_order_id=event.production_order_id,
                reservations=tuple(
                    ReservedLot(
                        line_no=a.line_no,
                        item_code=event.item_code,
                        lot_code=a.lot_code,
                        quantity=a.quantity,
                        expires_on=event.expires_on,
                    )
                    for a in mine
                ),
                fully_reserved=fully_reserved(requested, reserved),
            )
        )
    return announced
