"""Reserving finished stock for an order: pure, first-expiry-first-out, never oversold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.inventory.reservations.shelf_life_rules import ShelfLifeRule, refusal
from shared.contracts.inventory import (
    LotStatus,
    ReservedLot,
    Shortage,
    StockReserved,
    StockShort,
)
from shared.contracts.orders import OrderLineRef
from shared.units import Money, Quantity


@dataclass(frozen=True)
class Lot:
    """A lot as reservation sees it; ``available`` is what nobody has claimed yet."""

    id: int
    lot_code: str
    item_code: str
    unit: str
    on_hand: Decimal
    reserved: Decimal
    expires_on: date | None = None
    blocked: bool = False  # by a recall
    quarantined: bool = False  # returned goods held apart
    produced_on: date | None = None  # produced or received: where its shelf life starts
    unit_cost: Money | None = None  # per base unit; None: unknown (costing_rules)

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def status(self) -> LotStatus:
        return lot_status(blocked=self.blocked, quarantined=self.quarantined)


def lot_status(*, blocked: bool, quarantined: bool) -> LotStatus:
    """A recall outranks a quarantine: a recalled quarantine lot is reported blocked."""
    if blocked:
        return LotStatus.BLOCKED
    return LotStatus.QUARANTINED if quarantined else LotStatus.AVAILABLE


@dataclass(frozen=True)
class LotFigures:
    """One lot's (or one status's summed) quantities, in the item's base unit."""

    status: LotStatus
    on_hand: Decimal
    reserved: Decimal


@dataclass(frozen=True)
class StockFigures:
    """An item's stock: ``on_hand = reserved + available + blocked`` whenever nothing is
    oversold; ``blocked`` is the unreserved stock of blocked and quarantined lots."""

    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    blocked: Decimal


def stock_figures(lots: Iterable[LotFigures]) -> StockFigures:
    """Blocked and quarantined stock stays on hand but leaves ``available`` at once
    (invariant 8); what orders still hold on such lots stays ``reserved``."""
    on_hand = reserved = available = blocked = Decimal(0)
    for lot in lots:
        on_hand += lot.on_hand
        reserved += lot.reserved
        free = max(Decimal(0), lot.on_hand - lot.reserved)
        if lot.status.counts:
            available += free
        else:
            blocked += free
    return StockFigures(on_hand=on_hand, reserved=reserved, available=available, blocked=blocked)


@dataclass(frozen=True)
class Allocation:
    lot: Lot
    line_no: int
    quantity: Decimal


@dataclass(frozen=True)
class ReservationOutcome:
    allocations: tuple[Allocation, ...]
    shortages: tuple[Shortage, ...]

    def reserved_from(self, lot_id: int) -> Decimal:
        return sum((a.quantity for a in self.allocations if a.lot.id == lot_id), Decimal(0))

    def event(self, order_id: UUID) -> StockReserved | StockShort:
        """What the outcome means for the order: fully covered, or short with the gaps."""
        reserved = tuple(
            ReservedLot(
                line_no=a.line_no,
                item_code=a.lot.item_code,
                lot_code=a.lot.lot_code,
                quantity=Quantity.of(a.quantity, a.lot.unit),
                expires_on=a.lot.expires_on,
            )
            for a in self.allocations
        )
        if self.shortages:
            return StockShort(order_id=order_id, reservations=reserved, shortages=self.shortages)
        return StockReserved(order_id=order_id, reservations=reserved)


def fefo_order(lot: Lot) -> tuple[bool, date, int]:
    """Earliest expiry first, so short-dated stock ships before it spoils; undated lots last."""
    return (lot.expires_on is None, lot.expires_on or date.max, lot.id)


@dataclass
class _Ledger:
    taken: dict[int, Decimal] = field(default_factory=dict)

    def free(self, lot: Lot) -> Decimal:
        return lot.available - self.taken.get(lot.id, Decimal(0))

    def take(self, lot: Lot, quantity: Decimal) -> None:
        self.taken[lot.id] = self.taken.get(lot.id, Decimal(0)) + quantity


def reserve(
    lots: Sequence[Lot],
    lines: Sequence[OrderLineRef],
    *,
    rule: ShelfLifeRule | None = None,
    on: date | None = None,
) -> ReservationOutcome:
    """Cover each line from its item's lots, FEFO; what stock cannot cover is a shortage.

    Lines in a unit other than the lot's are not convertible here and count as missing.
    Under a minimum shelf-life ``rule`` (checked on ``on``, the reservation date) a lot too
    close to expiry is skipped; when it could have covered what is missing, the shortage
    says so in its ``reason``.
    """
    if rule is not None and on is None:
        raise ValueError("a shelf-life rule needs the date it is checked on")
    ledger = _Ledger()
    allocations: list[Allocation] = []
    shortages: list[Shortage] = []
    for line in lines:
        candidates = sorted(
            (x for x in lots if x.item_code == line.item_code and x.unit == line.quantity.unit),
            key=fefo_order,
        )
        remaining = line.quantity.value
        refused: dict[str, Decimal] = {}  # why → how much free stock was skipped for it
        for lot in candidates:
            if remaining <= 0:
                break
            why = None
            if on is not None:
                why = refusal(rule, expires_on=lot.expires_on, produced_on=lot.produced_on, on=on)
            if why is not None:
                free = max(ledger.free(lot), Decimal(0))
                refused[why] = refused.get(why, Decimal(0)) + free
                continue
            take = min(ledger.free(lot), remaining)
            if take > 0:
                ledger.take(lot, take)
                allocations.append(Allocation(lot=lot, line_no=line.line_no, quantity=take))
                remaining -= take
        if remaining > 0:
            unit = line.quantity.unit
            reason = None
            if rule is not None:
                reasons = [
                    f"{Quantity.of(min(skipped, remaining), unit)} of {line.item_code} {why} "
                    f"for {rule.whom} (needs {rule.needs})"
                    for why, skipped in refused.items()
                    if skipped > 0
                ]
                reason = "; ".join(reasons) or None
            shortages.append(
                Shortage(
                    line_no=line.line_no,
                    item_code=line.item_code,
                    requested=line.quantity,
                    reserved=Quantity.of(line.quantity.value - remaining, unit),
                    missing=Quantity.of(remaining, unit),
                    reason=reason,
                )
            )
    return ReservationOutcome(allocations=tuple(allocations), shortages=tuple(shortages))
