"""Holding materials for a production order: pure, all or nothing, first-expiry-first-out.

All or nothing, because a half-held batch cannot start and would only keep the held
part from other batches that could; a short request waits for goods to arrive instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.inventory.reservations.domain import Lot, fefo_order
from shared.contracts.inventory import MaterialLot, MaterialNeed, MaterialShortage
from shared.units import Quantity, UnitError, convert


@dataclass(frozen=True)
class Supply:
    """What a shortage report says about where more of an item comes from."""

    supplier: str | None = None
    lead_time_days: int | None = None


@dataclass(frozen=True)
class Hold:
    lot: Lot
    quantity: Decimal


@dataclass(frozen=True)
class MaterialsOutcome:
    holds: tuple[Hold, ...]
    shortages: tuple[MaterialShortage, ...]

    @property
    def complete(self) -> bool:
        return not self.shortages

    def reserved_lots(self) -> tuple[MaterialLot, ...]:
        return tuple(
            MaterialLot(
                item_code=h.lot.item_code,
                lot_code=h.lot.lot_code,
                quantity=Quantity.of(h.quantity, h.lot.unit),
                expires_on=h.lot.expires_on,
            )
            for h in self.holds
        )


def merge_needs(needs: Sequence[MaterialNeed], base_units: Mapping[str, str]) -> dict[str, Decimal]:
    """Needs per item in the item's base unit; an unconvertible unit is a ValueError."""
    merged: dict[str, Decimal] = {}
    for need in needs:
        unit = base_units.get(need.item_code)
        if unit is None:
            raise ValueError(f"unknown item {need.item_code}")
        try:
            value = convert(need.quantity, unit).value
        except UnitError as error:
            raise ValueError(f"{need.item_code}: {error}") from error
        merged[need.item_code] = merged.get(need.item_code, Decimal(0)) + value
    return merged


def hold_materials(
    lots: Sequence[Lot],
    needs: Mapping[str, Decimal],
    *,
    base_units: Mapping[str, str],
    supply: Mapping[str, Supply],
) -> MaterialsOutcome:
    """Hold every need from the earliest-expiring lots, or nothing and say what is missing."""
    holds: list[Hold] = []
    shortages: list[MaterialShortage] = []
    for item_code, needed in sorted(needs.items()):
        unit = base_units[item_code]
        candidates = sorted((x for x in lots if x.item_code == item_code), key=fefo_order)
        available = sum((max(x.available, Decimal(0)) for x in candidates), Decimal(0))
        if available < needed:
            source = supply.get(item_code, Supply())
            shortages.append(
                MaterialShortage(
                    item_code=item_code,
                    needed=Quantity.of(needed, unit),
                    available=Quantity.of(available, unit),
                    missing=Quantity.of(needed - available, unit),
                    supplier=source.supplier,
                    lead_time_days=source.lead_time_days,
                )
            )
            continue
        remaining = needed
        for lot in candidates:
            take = min(lot.available, remaining)
            if take > 0:
                holds.append(Hold(lot=lot, quantity=take))
                remaining -= take
            if remaining <= 0:
                break
    if shortages:
        return MaterialsOutcome(holds=(), shortages=tuple(shortages))
    return MaterialsOutcome(holds=tuple(holds), shortages=())
