"""Can we make it? The recipe exploded through every level against available stock
(production's lot read model: Σ on hand − reserved), with suppliers and lead times.

Answers a person before an order is confirmed ("40 jars by Friday?"); it reserves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import read_models
from services.production.recipes import recipe_book, recipe_rules
from services.production.service import NotFound
from shared.units import Quantity


@dataclass(frozen=True)
class Supply:
    supplier: str | None
    lead_time_days: int | None


@dataclass(frozen=True)
class MaterialAvailability:
    need: recipe_rules.MaterialNeed
    supply: Supply


@dataclass(frozen=True)
class Availability:
    item_code: str
    wanted: Quantity
    materials: tuple[MaterialAvailability, ...]
    productions: tuple[recipe_rules.PlannedProduction, ...]

    @property
    def can_start_now(self) -> bool:
        """No leaf material is missing: what is missing of intermediates is made here."""
        return not any(m.need.short.is_positive for m in self.materials)

    @property
    def material_lead_days(self) -> int | None:
        """The longest lead time among the missing materials; None when nothing is missing
        (or no supplier of a missing material has told us a lead time)."""
        days = [
            m.supply.lead_time_days
            for m in self.materials
            if m.need.short.is_positive and m.supply.lead_time_days is not None
        ]
        return max(days) if days else None


def assess(
    item_code: str,
    wanted: Quantity,
    explosion: recipe_rules.Explosion,
    supply: Mapping[str, Supply],
) -> Availability:
    return Availability(
        item_code=item_code,
        wanted=wanted,
        materials=tuple(
            MaterialAvailability(need=m, supply=supply.get(m.item_code, Supply(None, None)))
            for m in explosion.materials
        ),
        productions=explosion.productions,
    )


async def check_availability(engine: AsyncEngine, item_code: str, wanted: Quantity) -> Availability:
    """404 (NotFound) without an active recipe; RecipeError for a quantity or unit that
    cannot be planned."""
    async with engine.connect() as conn:
        active = await recipe_book.active_recipes(conn)
        if item_code not in active:
            raise NotFound(f"{item_code} has no active recipe")
        items = await read_models.item_infos(conn)
        available = await read_models.available_by_item(
            conn, {code: info.base_unit for code, info in items.items()}
        )
        explosion = recipe_rules.explode(
            item_code, wanted, items=items, recipes=active, available=available
        )
        rows = await read_models.items(conn, [m.item_code for m in explosion.materials])
    supply = {code: Supply(r.supplier, r.lead_time_days) for code, r in rows.items()}
    return assess(item_code, wanted, explosion, supply)


def as_answer(availability: Availability) -> dict[str, Any]:
    """The API's shape: quantities as value + unit, per material and per production."""

    def amount(q: Quantity) -> Decimal:
        return q.value

    return {
        "item_code": availability.item_code,
        "quantity": amount(availability.wanted),
        "unit": availability.wanted.unit,
        "can_start_now": availability.can_start_now,
        "material_lead_days": availability.material_lead_days,
        "materials": [
            {
                "item_code": m.need.item_code,
                "level": m.need.level,
                "unit": m.need.needed.unit,
                "needed": amount(m.need.needed),
                "available": amount(m.need.available),
                "missing": amount(m.need.missing),
                "made": amount(m.need.made),
                "short": amount(m.need.short),
                "supplier": m.supply.supplier,
                "lead_time_days": m.supply.lead_time_days,
            }
            for m in availability.materials
        ],
        "productions": [
            {
                "item_code": p.item_code,
                "level": p.level,
                "planned": amount(p.planned),
                "unit": p.planned.unit,
                "batches": p.batches,
                "recipe_version": p.recipe_version,
            }
            for p in availability.productions
        ],
    }
