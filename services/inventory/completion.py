"""Applying a production completion: pure checks of what may be consumed, and the
allocation of the output lot to the customer order lines it was made for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.inventory.domain import Lot
from services.inventory.shelf_life_rules import ShelfLifeRule, lot_meets
from shared.contracts.inventory import MaterialLot, OrderAllocation
from shared.contracts.production import Demand
from shared.units import Quantity, UnitError, convert


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
