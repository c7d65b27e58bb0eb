"""Recipes (bills of materials): validation, batch planning and multi-level explosion.

Pure. Arithmetic stays in Decimal: exact whenever the figure fits 28 significant digits; a
quotient that never ends (100 / 0.95) is rounded up in its last digit, so a plan is never short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Context, Decimal

from shared.units import Quantity, UnitError, can_convert, convert

_UPWARDS = Context(prec=28, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class ItemInfo:
    """What production knows of an item: enough to convert and classify its quantities."""

    code: str
    base_unit: str
    kind: str


@dataclass(frozen=True)
class RecipeLine:
    """How much of one item a single batch consumes."""

    item_code: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Recipe:
    """One batch makes ``batch_size`` ``unit`` of the item, of which ``expected_yield`` is good."""

    item_code: str
    version: int
    batch_size: Decimal
    unit: str
    expected_yield: Decimal
    whole_batches: bool
    lines: tuple[RecipeLine, ...]
    duration_minutes: int
    line_code: str | None = None
    setup_minutes: int = 0
    minutes_per_batch: int | None = None


@dataclass(frozen=True)
class Requirement:
    item_code: str
    quantity: Quantity


@dataclass(frozen=True)
class MaterialNeed:
    """One item's need across the whole explosion; ``made`` is the part production covers."""

    item_code: str
    needed: Quantity
    available: Quantity
    missing: Quantity
    level: int
    made: Quantity

    @property
    def short(self) -> Quantity:
        """What neither stock nor production covers: this is what blocks the plan."""
        return self.missing - self.made


@dataclass(frozen=True)
class PlannedProduction:
    item_code: str
    planned: Quantity
    batches: Decimal
    recipe_version: int
    level: int


@dataclass(frozen=True)
class Explosion:
    """Everything a "can we make it?" check needs: each item's need and each production."""

    materials: tuple[MaterialNeed, ...]
    productions: tuple[PlannedProduction, ...]

    @property
    def shortages(self) -> tuple[MaterialNeed, ...]:
        """Materials with something still short; none means the item can be made."""
        return tuple(m for m in self.materials if m.short.is_positive)


class RecipeError(ValueError):
    """A recipe that would plan nonsense; the message names the culprit."""


class RecipeCycle(RecipeError):
    """An item needs itself, directly or through intermediates: it could never be made."""


class UnknownItem(RecipeError):
    """A recipe names an item production has never heard of."""


class ImpossibleConversion(RecipeError):
    """A quantity whose unit cannot be expressed in the unit its item is counted in."""


class InvalidQuantity(RecipeError):
    """A batch size, line quantity or yield that cannot describe real production."""


def validate(recipe: Recipe, items: Mapping[str, ItemInfo], recipes: Mapping[str, Recipe]) -> None:
    """Refuse a recipe before it is stored, so planning never meets a broken one.

    ``recipes`` maps each item to its active recipe; ``recipe`` replaces its item's entry.
    """
    _check_numbers(recipe)
    output = _item(recipe.item_code, items, what="output item")
    if not can_convert(recipe.unit, output.base_unit):
        raise ImpossibleConversion(
            f"recipe for {recipe.item_code} makes {recipe.unit}, "
            f"but {recipe.item_code} is counted in {output.base_unit}"
        )
    if not recipe.lines:
        raise RecipeError(f"recipe for {recipe.item_code} has no lines")
    for line in recipe.lines:
        _check_line(recipe, line, items)
    _check_cycles(recipe, {**recipes, recipe.item_code: recipe})


def _check_numbers(recipe: Recipe) -> None:
    if recipe.batch_size <= 0:
        raise InvalidQuantity(
            f"recipe for {recipe.item_code}: batch size must be positive, not {recipe.batch_size}"
        )
    if not 0 < recipe.expected_yield <= 1:
        raise InvalidQuantity(
            f"recipe for {recipe.item_code}: expected yield must be in (0, 1], "
            f"not {recipe.expected_yield}"
        )


def _check_line(recipe: Recipe, line: RecipeLine, items: Mapping[str, ItemInfo]) -> None:
    where = f"recipe for {recipe.item_code}, line {line.item_code}"
    if line.quantity <= 0:
        raise InvalidQuantity(f"{where}: quantity must be positive, not {line.quantity}")
    if line.item_code == recipe.item_code:
        raise RecipeCycle(f"{where}: {recipe.item_code} → {recipe.item_code}")
    item = _item(line.item_code, items, what=f"{where}: item")
    if not can_convert(line.unit, item.base_unit):
        raise ImpossibleConversion(
            f"{where}: {line.unit} cannot be converted to {item.base_unit}, "
            f"the unit {line.item_code} is counted in"
        )


def _item(code: str, items: Mapping[str, ItemInfo], *, what: str) -> ItemInfo:
    try:
        return items[code]
    except KeyError:
        raise UnknownItem(f"{what} {code} is unknown") from None


def _check_cycles(recipe: Recipe, recipes: Mapping[str, Recipe]) -> None:
    """Depth first through the intermediates; the path on the stack names the cycle."""
    done: set[str] = set()

    def visit(code: str, path: list[str]) -> None:
        if code in path:
            cycle = [*path[path.index(code) :], code]
            raise RecipeCycle(f"recipe for {recipe.item_code} makes a cycle: {' → '.join(cycle)}")
        current = recipes.get(code)
        if code in done or current is None:
            return
        for line in current.lines:
            visit(line.item_code, [*path, code])
        done.add(code)

    visit(recipe.item_code, [])


def plan_batches(recipe: Recipe, wanted: Quantity) -> Quantity:
    """What to start so that ``wanted`` comes out good: yield allowance, then whole batches."""
    _check_numbers(recipe)
    wanted = _in_unit(wanted, recipe.unit, what=f"wanted {recipe.item_code}")
    if wanted.value < 0:
        raise InvalidQuantity(f"wanted {recipe.item_code} cannot be negative: {wanted}")
    planned = _UPWARDS.divide(wanted.value, recipe.expected_yield)
    if recipe.whole_batches:
        count = _UPWARDS.divide(planned, recipe.batch_size).to_integral_value(ROUND_CEILING)
        planned = _UPWARDS.multiply(count, recipe.batch_size)
    return Quantity(value=planned, unit=recipe.unit)


def batches(recipe: Recipe, planned: Quantity) -> Decimal:
    """How many batches a planned quantity is; whole when the recipe plans whole batches."""
    planned = _in_unit(planned, recipe.unit, what=f"planned {recipe.item_code}")
    return _UPWARDS.divide(planned.value, recipe.batch_size)


def requirements(
    recipe: Recipe, planned: Quantity, items: Mapping[str, ItemInfo]
) -> tuple[Requirement, ...]:
    """One level down: each line scaled to the plan, in its item's base unit, once per item.

    ``planned`` already holds the yield allowance, so the lines scale by planned / batch size.
    """
    planned = _in_unit(planned, recipe.unit, what=f"planned {recipe.item_code}")
    merged: dict[str, Quantity] = {}
    for line in recipe.lines:
        item = _item(line.item_code, items, what=f"recipe for {recipe.item_code}, line item")
        scaled = _UPWARDS.divide(_UPWARDS.multiply(line.quantity, planned.value), recipe.batch_size)
        quantity = _in_unit(
            Quantity(value=scaled, unit=line.unit),
            item.base_unit,
            what=f"recipe for {recipe.item_code}, line {line.item_code}",
        )
        previous = merged.get(item.code)
        merged[item.code] = quantity if previous is None else previous + quantity
    return tuple(Requirement(item_code=code, quantity=q) for code, q in merged.items())


def _in_unit(quantity: Quantity, unit: str, *, what: str) -> Quantity:
    try:
        return convert(quantity, unit)
    except UnitError as error:
        raise ImpossibleConversion(f"{what}: {error}") from error


def explode(
    item_code: str,
    wanted: Quantity,
    *,
    items: Mapping[str, ItemInfo],
    recipes: Mapping[str, Recipe],
    available: Mapping[str, Decimal],
) -> Explosion:
    """Can we make ``wanted``? Nets intermediates against stock, plans the rest, level by level.

    ``available`` is stock in base units, shared by the whole tree: an item is netted once,
    against everything every parent needs of it (MRP low-level codes), so stock used once is
    not used twice and each intermediate is planned as one production. The item itself is not
    netted: the question is how to make ``wanted`` of it.
    """
    if item_code not in recipes:
        raise RecipeError(f"{item_code} has no active recipe, so it cannot be made")
    order, levels = _low_level_codes(item_code, recipes, items)
    gross: dict[str, Quantity] = {}
    materials: list[MaterialNeed] = []
    productions: list[PlannedProduction] = []
    for code in order:
        recipe = recipes.get(code)
        if code == item_code:
            to_make = wanted
        elif code in gross:
            need = _net(
                items[code], gross[code], available, levels[code], makeable=recipe is not None
            )
            materials.append(need)
            to_make = need.made
        else:
            continue  # a parent's stock covered it: nothing of it is needed
        if recipe is None or not to_make.is_positive:
            continue
        production, needs = _produce(recipe, to_make, levels[code], items)
        productions.append(production)
        for need_below in needs:
            known = gross.get(need_below.item_code)
            gross[need_below.item_code] = (
                need_below.quantity if known is None else known + need_below.quantity
            )
    return Explosion(
        materials=tuple(sorted(materials, key=lambda m: (m.level, m.item_code))),
        productions=tuple(sorted(productions, key=lambda p: (-p.level, p.item_code))),
    )


def _produce(
    recipe: Recipe, to_make: Quantity, level: int, items: Mapping[str, ItemInfo]
) -> tuple[PlannedProduction, tuple[Requirement, ...]]:
    planned = plan_batches(recipe, to_make)
    production = PlannedProduction(
        item_code=recipe.item_code,
        planned=planned,
        batches=batches(recipe, planned),
        recipe_version=recipe.version,
        level=level,
    )
    return production, requirements(recipe, planned, items)


def _net(
    item: ItemInfo,
    needed: Quantity,
    available: Mapping[str, Decimal],
    level: int,
    *,
    makeable: bool,
) -> MaterialNeed:
    stock = Quantity(value=available.get(item.code, Decimal(0)), unit=item.base_unit)
    missing = Quantity(value=max(needed.value - stock.value, Decimal(0)), unit=item.base_unit)
    made = missing if makeable else Quantity.zero(item.base_unit)
    return MaterialNeed(
        item_code=item.code, needed=needed, available=stock, missing=missing, level=level, made=made
    )


def _low_level_codes(
    item_code: str, recipes: Mapping[str, Recipe], items: Mapping[str, ItemInfo]
) -> tuple[list[str], dict[str, int]]:
    """Parents before children, and each item's deepest level, validating every recipe met."""
    postorder: list[str] = []
    seen: set[str] = set()

    def visit(code: str) -> None:
        seen.add(code)
        recipe = recipes.get(code)
        if recipe is not None:
            validate(recipe, items, recipes)
            for line in recipe.lines:
                if line.item_code not in seen:
                    visit(line.item_code)
        postorder.append(code)

    visit(item_code)
    order = postorder[::-1]
    levels = dict.fromkeys(order, 0)
    for code in order:
        recipe = recipes.get(code)
        for line in recipe.lines if recipe is not None else ():
            levels[line.item_code] = max(levels[line.item_code], levels[code] + 1)
    return order, levels
