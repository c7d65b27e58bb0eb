"""What a customer order's production lacks at every level: the flour behind the dough
behind the biscuits is named with its kilograms and date, intermediates being made are not,
and a re-plan publishes only what changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.promise.material_wait_rules import changed, missing_by_order
from services.production.promise.plan_rules import OpenProduction, Shortfall
from shared.contracts.production import MissingMaterial
from shared.units import Quantity

ITALY = WorkingCalendar()
MONDAY = date(2027, 3, 1)
ORDER_A, ORDER_B = UUID(int=1), UUID(int=2)
BISCUITS, DOUGH, CREAM = UUID(int=101), UUID(int=102), UUID(int=103)


def production(
    po_id: UUID,
    item_code: str,
    *shortfalls: Shortfall,
    parent: UUID | None = None,
    serves: frozenset[UUID] = frozenset(),
) -> OpenProduction:
    return OpenProduction(
        production_order_id=po_id,
        item_code=item_code,
        queued=po_id.int,
        line=None,
        duration_minutes=0,
        shortfalls=shortfalls,
        parent_id=parent,
        serves=serves,
    )


def flour(missing: str = "0.6", **extra: object) -> Shortfall:
    return Shortfall("FLOUR", missing=Decimal(missing), unit="kg", **extra)  # type: ignore[arg-type]


def test_a_three_level_shortage_names_the_raw_material_and_its_kilograms_not_the_dough():
    tree = [
        production(
            BISCUITS,
            "BISCUITS",
            Shortfall("DOUGH", missing=Decimal(5), unit="kg"),
            serves=frozenset({ORDER_A}),
        ),
        production(DOUGH, "DOUGH", flour(lead_time_days=10), parent=BISCUITS),
    ]

    [only] = missing_by_order(tree, today=MONDAY, calendar=ITALY)[ORDER_A]

    assert (only.item_code, only.missing, only.lead_time_days) == (
        "FLOUR",
        Quantity.of("0.6", "kg"),
        10,
    )
    assert only.arrives_on == date(2027, 3, 15)  # ten working days
    assert only.expected_on is None and only.production_order_id == DOUGH


def test_an_open_purchase_order_dates_the_missing_material():
    tree = [
        production(BISCUITS, "BISCUITS", Shortfall("DOUGH"), serves=frozenset({ORDER_A})),
        production(
            DOUGH, "DOUGH", flour(lead_time_days=10, expected_on=date(2027, 3, 4)), parent=BISCUITS
        ),
    ]

    [only] = missing_by_order(tree, today=MONDAY, calendar=ITALY)[ORDER_A]

    assert (only.expected_on, only.arrives_on) == (date(2027, 3, 4), date(2027, 3, 4))


def test_once_the_flour_is_in_the_order_lacks_nothing_though_its_batch_still_waits_for_dough():
    tree = [
        production(BISCUITS, "BISCUITS", Shortfall("DOUGH"), serves=frozenset({ORDER_A})),
        production(DOUGH, "DOUGH", parent=BISCUITS),  # materials reserved: waits for nothing
    ]

    assert missing_by_order(tree, today=MONDAY, calendar=ITALY) == {ORDER_A: ()}


def test_a_material_without_lead_time_or_purchase_order_is_missing_with_no_date():
    tree = [
        production(
            BISCUITS,
            "BISCUITS",
            Shortfall("SALT", missing=Decimal(2), unit="kg"),
            serves=frozenset({ORDER_A}),
        )
    ]

    [salt] = missing_by_order(tree, today=MONDAY, calendar=ITALY)[ORDER_A]

    assert (salt.item_code, salt.arrives_on, salt.expected_on) == ("SALT", None, None)


def test_two_batches_of_one_order_short_of_the_same_material_are_summed_and_dated_by_the_later():
    tree = [
        production(BISCUITS, "BISCUITS", flour("1", lead_time_days=3), serves=frozenset({ORDER_A})),
        production(
            CREAM, "CREAM", flour("2", lead_time_days=10), serves=frozenset({ORDER_A, ORDER_B})
        ),
    ]

    found = missing_by_order(tree, today=MONDAY, calendar=ITALY)

    [a] = found[ORDER_A]
    assert (a.missing, a.arrives_on, a.lead_time_days) == (
        Quantity.of("3", "kg"),
        date(2027, 3, 15),
        10,
    )
    [b] = found[ORDER_B]
    assert b.missing == Quantity.of("2", "kg")


def test_a_replan_publishes_only_changes_and_an_empty_list_once_production_is_over():
    short = (MissingMaterial(item_code="FLOUR", missing=Quantity.of("1", "kg")),)
    before = {ORDER_A: short, ORDER_B: short}

    assert changed(before, {ORDER_A: short, ORDER_B: short}) == {}
    assert changed(before, {ORDER_A: (), ORDER_B: short}) == {ORDER_A: ()}
    assert changed(before, {}) == {ORDER_A: (), ORDER_B: ()}
    assert changed({ORDER_A: ()}, {}) == {}  # told already: nothing more to say
    assert changed({}, {ORDER_A: ()}) == {ORDER_A: ()}  # the first word, even if nothing lacks
