"""Which reserved lots a shipment takes: pure. A shipment never takes more of a line
than is reserved for it and not yet shipped; within a line, earliest expiry goes first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.contracts.orders import ShippedLot
from shared.units import Quantity


class ShipmentRefused(ValueError):
    """A shipment the order cannot make (names the line and what is left)."""


@dataclass(frozen=True)
class LineToShip:
    line_no: int
    external_line_id: str
    item_code: str
    ordered: Decimal
    unit: str


@dataclass(frozen=True)
class ReservedOnLot:
    line_no: int
    lot_code: str
    quantity: Decimal
    expires_on: date | None


@dataclass(frozen=True)
class ShipmentPlan:
    lots: tuple[ShippedLot, ...]
    completes_order: bool


def _remaining(
    reserved: Sequence[ReservedOnLot], shipped: Mapping[tuple[int, str], Decimal]
) -> list[ReservedOnLot]:
    left = []
    for r in reserved:
        rest = r.quantity - shipped.get((r.line_no, r.lot_code), Decimal(0))
        if rest > 0:
            left.append(ReservedOnLot(r.line_no, r.lot_code, rest, r.expires_on))
    return sorted(left, key=lambda r: (r.expires_on is None, r.expires_on or date.max, r.lot_code))


def plan_shipment(
    lines: Sequence[LineToShip],
    reserved: Sequence[ReservedOnLot],
    shipped: Mapping[tuple[int, str], Decimal],
    wanted: Mapping[int, Decimal] | None,
) -> ShipmentPlan:
    """``wanted`` maps line → quantity; None ships everything reserved and not yet shipped."""
    by_line = {line.line_no: line for line in lines}
    left = _remaining(reserved, shipped)
    available = {
        no: sum((r.quantity for r in left if r.line_no == no), Decimal(0)) for no in by_line
    }
    if wanted is None:
        wanted = {no: qty for no, qty in available.items() if qty > 0}
    if not wanted:
        raise ShipmentRefused("nothing is reserved and unshipped on this order")
    taken: list[ShippedLot] = []
    for no, quantity in sorted(wanted.items()):
        line = by_line.get(no)
        if line is None:
            raise ShipmentRefused(f"the order has no line {no}")
        if quantity <= 0:
            raise ShipmentRefused(f"line {no}: the quantity to ship must be positive")
        if quantity > available[no]:
            raise ShipmentRefused(
                f"line {no} ({line.item_code}): {format(quantity, 'f')} {line.unit} asked, "
                f"only {format(available[no].normalize(), 'f')} {line.unit} allocated and unshipped"
            )
        rest = quantity
        for r in (x for x in left if x.line_no == no):
            take = min(rest, r.quantity)
            taken.append(
                ShippedLot(
                    line_no=no,
                    external_line_id=line.external_line_id,
                    item_code=line.item_code,
                    lot_code=r.lot_code,
                    quantity=Quantity.of(take, line.unit),
                )
            )
            rest -= take
            if rest <= 0:
                break
    return ShipmentPlan(lots=tuple(taken), completes_order=_completes(lines, shipped, taken))


def _completes(
    lines: Sequence[LineToShip],
    shipped: Mapping[tuple[int, str], Decimal],
    taken: Sequence[ShippedLot],
) -> bool:
    for line in lines:
        before = sum((q for (no, _), q in shipped.items() if no == line.line_no), Decimal(0))
        now = sum((x.quantity.value for x in taken if x.line_no == line.line_no), Decimal(0))
        if before + now < line.ordered:
            return False
    return True
