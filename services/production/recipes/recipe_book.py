"""Recipes as production stores them: versioned, one active version per item.

Validation uses production's read model of items (fed by ``ItemDefined``): an item defined
in inventory moments ago may not be known here yet, and is then refused as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import read_models
from services.production import tables as t
from services.production.capacity import lines
from services.production.recipes import recipe_rules
from services.production.service import NotFound, ProductionError
from shared.hot_sql import HotStatement, any_of


@dataclass(frozen=True)
class NewRecipe:
    item_code: str
    batch_size: Decimal
    unit: str
    expected_yield: Decimal
    whole_batches: bool
    duration_minutes: int
    lines: tuple[recipe_rules.RecipeLine, ...]
    line_code: str | None = None
    setup_minutes: int = 0
    minutes_per_batch: int | None = None


async def define_recipe(engine: AsyncEngine, new: NewRecipe) -> dict[str, Any]:
    """Store the item's next version as its active recipe, or refuse it (RecipeError) and
    store nothing. Recipe writes are serialised, so two rival recipes cannot form a cycle."""
    async with engine.begin() as conn:
        await lock_recipes(conn)
        recipe = recipe_rules.Recipe(
            item_code=new.item_code,
            version=await next_recipe_version(conn, new.item_code),
            batch_size=new.batch_size,
            unit=new.unit,
            expected_yield=new.expected_yield,
            whole_batches=new.whole_batches,
            lines=new.lines,
            duration_minutes=new.duration_minutes,
            line_code=new.line_code,
            setup_minutes=new.setup_minutes,
            minutes_per_batch=new.minutes_per_batch,
        )
        if new.line_code is not None and not await lines.line_exists(conn, new.line_code):
            raise ProductionError(f"line {new.line_code} is unknown")
        recipe_rules.validate(
            recipe, await read_models.item_infos(conn), await active_recipes(conn)
        )
        await store_recipe(conn, recipe)
        [stored] = [
            r
            for r in await recipe_records(conn, item_code=new.item_code)
            if r["version"] == recipe.version
        ]
    return stored


async def list_active_recipes(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await recipe_records(conn, active_only=True)


async def recipe_of(engine: AsyncEngine, item_code: str) -> dict[str, Any]:
    """The item's active recipe (None when every version was retired) and all versions."""
    async with engine.connect() as conn:
        versions = await recipe_records(conn, item_code=item_code)
    if not versions:
        raise NotFound(f"no recipe for {item_code}")
    active = next((v for v in versions if v["active"]), None)
    return {"item_code": item_code, "active": active, "versions": versions}


# --- queries -------------------------------------------------------------------------------

# A constant key: recipe writes are serialised, so two rival recipes cannot form a cycle.
RECIPE_LOCK = 0x70726F64


async def lock_recipes(conn: AsyncConnection) -> None:
    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(RECIPE_LOCK)))


def _recipe(row: Any, lines: Sequence[recipe_rules.RecipeLine]) -> recipe_rules.Recipe:
    return recipe_rules.Recipe(
        item_code=row.item_code,
        version=row.version,
        batch_size=row.batch_size,
        unit=row.unit,
        expected_yield=row.expected_yield,
        whole_batches=row.whole_batches,
        lines=tuple(lines),
        duration_minutes=row.duration_minutes,
        line_code=row.line_code,
        setup_minutes=row.setup_minutes,
        minutes_per_batch=row.minutes_per_batch,
    )


async def _recipe_rows(conn: AsyncConnection, query: sa.Select[Any]) -> list[tuple[Any, Any]]:
    heads = (await conn.execute(query)).all()
    if not heads:
        return []
    lines = (
        await conn.execute(
            sa.select(t.recipe_line)
            .where(t.recipe_line.c.recipe_id.in_([h.id for h in heads]))
            .order_by(t.recipe_line.c.recipe_id, t.recipe_line.c.line_no)
        )
    ).all()
    by_recipe: dict[int, list[Any]] = {}
    for line in lines:
        by_recipe.setdefault(line.recipe_id, []).append(line)
    return [(h, by_recipe.get(h.id, [])) for h in heads]


def _active_recipes(*, of_items: bool) -> HotStatement:
    """Active recipes with their lines in one round trip, in item then line order; a
    recipe without lines reads as one row whose line columns are null."""
    r, ln = t.recipe, t.recipe_line
    query = (
        sa.select(
            r.c.id,
            r.c.item_code,
            r.c.version,
            r.c.batch_size,
            r.c.unit,
            r.c.expected_yield,
            r.c.whole_batches,
            r.c.duration_minutes,
            r.c.line_code,
            r.c.setup_minutes,
            r.c.minutes_per_batch,
            ln.c.item_code.label("line_item_code"),
            ln.c.quantity.label("line_quantity"),
            ln.c.unit.label("line_unit"),
        )
        .outerjoin(ln, ln.c.recipe_id == r.c.id)
        .where(r.c.active)
        .order_by(r.c.item_code, ln.c.line_no)
    )
    if of_items:
        query = query.where(any_of(r.c.item_code, "codes"))
    return HotStatement(query)


_ACTIVE_RECIPES = _active_recipes(of_items=False)
_ACTIVE_RECIPES_OF = _active_recipes(of_items=True)


async def active_recipes(
    conn: AsyncConnection, item_codes: Iterable[str] | None = None
) -> dict[str, recipe_rules.Recipe]:
    """Each item's active recipe (of ``item_codes`` only, when given). Planning and the
    re-plan read them per shortage and per pass: one hot statement, lines joined."""
    if item_codes is None:
        rows = await _ACTIVE_RECIPES.fetch(conn)
    else:
        codes = sorted(set(item_codes))
        if not codes:
            return {}
        rows = await _ACTIVE_RECIPES_OF.fetch(conn, codes=codes)
    heads: dict[str, Any] = {}
    lines: dict[str, list[recipe_rules.RecipeLine]] = {}
    for row in rows:
        heads.setdefault(row.item_code, row)
        found = lines.setdefault(row.item_code, [])
        if row.line_item_code is not None:
            found.append(
                recipe_rules.RecipeLine(
                    item_code=row.line_item_code, quantity=row.line_quantity, unit=row.line_unit
                )
            )
    return {code: _recipe(head, lines[code]) for code, head in heads.items()}


async def recipe_records(
    conn: AsyncConnection, *, item_code: str | None = None, active_only: bool = False
) -> list[dict[str, Any]]:
    """Recipes as the API shows them: newest version first within an item."""
    query = sa.select(t.recipe).order_by(t.recipe.c.item_code, t.recipe.c.version.desc())
    if item_code is not None:
        query = query.where(t.recipe.c.item_code == item_code)
    if active_only:
        query = query.where(t.recipe.c.active)
    return [
        {**h._asdict(), "lines": [dict(ln._mapping) for ln in lines]}
        for h, lines in await _recipe_rows(conn, query)
    ]


async def next_recipe_version(conn: AsyncConnection, item_code: str) -> int:
    latest = await conn.scalar(
        sa.select(sa.func.max(t.recipe.c.version)).where(t.recipe.c.item_code == item_code)
    )
    return int(latest or 0) + 1


async def store_recipe(conn: AsyncConnection, recipe: recipe_rules.Recipe) -> None:
    """The new version becomes the item's only active one."""
    await conn.execute(
        t.recipe.update()
        .where(t.recipe.c.item_code == recipe.item_code, t.recipe.c.active)
        .values(active=False)
    )
    recipe_id = await conn.scalar(
        t.recipe.insert()
        .values(
            item_code=recipe.item_code,
            version=recipe.version,
            batch_size=recipe.batch_size,
            unit=recipe.unit,
            expected_yield=recipe.expected_yield,
            whole_batches=recipe.whole_batches,
            duration_minutes=recipe.duration_minutes,
            line_code=recipe.line_code,
            setup_minutes=recipe.setup_minutes,
            minutes_per_batch=recipe.minutes_per_batch,
            active=True,
        )
        .returning(t.recipe.c.id)
    )
    await conn.execute(
        t.recipe_line.insert(),
        [
            {
                "recipe_id": recipe_id,
                "line_no": no,
                "item_code": line.item_code,
                "quantity": line.quantity,
                "unit": line.unit,
            }
            for no, line in enumerate(recipe.lines, start=1)
        ],
    )
