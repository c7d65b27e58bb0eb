"""Which exception an open order is (late, held, materials, stuck, at risk), exactly one,
with its reasons and next action in words."""

from __future__ import annotations

from datetime import date

import pytest

from services.orders.promises.exceptions import (
    KINDS,
    OrderFacts,
    add_working_days,
    classify,
)
from shared.contracts.orders import OrderStatus
from shared.contracts.production import MissingMaterial
from shared.units import Quantity

S = OrderStatus
TODAY = date(2026, 12, 21)  # a Monday
FLOUR = MissingMaterial(
    item_code="FLOUR", missing=Quantity.of("12.500", "kg"), arrives_on=date(2027, 1, 4)
)
SUGAR_ORDERED = MissingMaterial(
    item_code="SUGAR", missing=Quantity.of("3", "kg"), expected_on=date(2026, 12, 23)
)


def kind_of(facts: OrderFacts) -> str | None:
    found = classify(facts, today=TODAY)
    return None if found is None else found.kind


def test_an_order_on_track_is_no_exception():
    facts = OrderFacts(S.IN_PRODUCTION, promised_on=date(2027, 1, 15), requested_on=None)
    assert classify(facts, today=TODAY) is None


@pytest.mark.parametrize("status", [S.SHIPPED, S.DELIVERED, S.CANCELLED])
def test_a_closed_order_is_no_exception_even_past_its_promise(status: OrderStatus):
    assert kind_of(OrderFacts(status, promised_on=date(2026, 12, 1))) is None


def test_a_test_order_is_no_exception_even_held_with_no_promise():
    assert kind_of(OrderFacts(S.ON_HOLD, is_test=True, hold_reason="test_order: x")) is None


def test_a_passed_promise_is_late_and_says_the_date():
    found = classify(OrderFacts(S.IN_PRODUCTION, promised_on=date(2026, 12, 18)), today=TODAY)
    assert found is not None and found.kind == "late"
    assert found.reasons[0].text == (
        "promised for 2026-12-18: the date has passed and it has not shipped"
    )
    assert found.action.code == "tell_customer"


def test_promised_for_today_is_not_late_yet_but_due_soon():
    found = classify(OrderFacts(S.IN_PRODUCTION, promised_on=TODAY), today=TODAY)
    assert found is not None and found.kind == "at_risk"
    assert [r.code for r in found.reasons] == ["due_soon"]


def test_a_late_ready_order_is_to_be_shipped_today():
    found = classify(OrderFacts(S.READY_TO_SHIP, promised_on=date(2026, 12, 20)), today=TODAY)
    assert found is not None and (found.kind, found.action.code) == ("late", "ship")


def test_late_wins_over_held_and_carries_the_hold_as_its_why():
    facts = OrderFacts(
        S.ON_HOLD, promised_on=date(2026, 12, 18), hold_reason="recall: mould (lots L1)"
    )
    found = classify(facts, today=TODAY)
    assert found is not None and found.kind == "late"
    assert [r.code for r in found.reasons] == ["late", "blocked_lot"]
    assert found.action.code == "check_lot"


def test_late_wins_over_materials_and_names_the_missing_material():
    facts = OrderFacts(S.AWAITING_MATERIALS, promised_on=date(2026, 12, 18), missing=(FLOUR,))
    found = classify(facts, today=TODAY)
    assert found is not None and found.kind == "late"
    assert found.reasons[1].text == (
        "FLOUR: 12.5 kg missing, not ordered; by lead time it could arrive on 2027-01-04"
    )
    assert found.action.text == "order FLOUR from the supplier"


def test_an_unmapped_item_holds_the_order_and_says_which_sku():
    found = classify(OrderFacts(S.ON_HOLD, hold_reason="unknown_sku: FIG-9, (empty)"), today=TODAY)
    assert found is not None and found.kind == "held"
    assert found.reasons[0].text == "on hold: no item is mapped to FIG-9, (empty)"
    assert found.action.code == "map_item"


def test_any_other_hold_says_its_reason():
    found = classify(OrderFacts(S.ON_HOLD, hold_reason="invalid_quantity: X"), today=TODAY)
    assert found is not None and found.reasons[0].text == "on hold: invalid_quantity: X"
    bare = classify(OrderFacts(S.ON_HOLD), today=TODAY)
    assert bare is not None and bare.reasons[0].text == "on hold: no reason given"


def test_held_wins_over_stuck_and_at_risk():
    facts = OrderFacts(
        S.ON_HOLD,
        promised_on=date(2026, 12, 22),
        requested_on=date(2026, 12, 20),
        hold_reason="unknown_sku: X",
    )
    assert kind_of(facts) == "held"


def test_a_material_missing_at_any_depth_blocks_even_awaiting_production():
    facts = OrderFacts(S.AWAITING_PRODUCTION, missing=(SUGAR_ORDERED,))
    found = classify(facts, today=TODAY)
    assert found is not None and found.kind == "materials"
    assert found.reasons[0].text == "SUGAR: 3 kg missing, expected on 2026-12-23 (purchase order)"
    assert found.action.code == "chase_purchase"


def test_materials_wins_over_at_risk_and_keeps_the_risk_as_a_reason():
    facts = OrderFacts(
        S.AWAITING_MATERIALS,
        promised_on=date(2027, 1, 8),
        requested_on=date(2026, 12, 24),
        missing=(FLOUR, SUGAR_ORDERED),
    )
    found = classify(facts, today=TODAY)
    assert found is not None and found.kind == "materials"
    assert [r.code for r in found.reasons] == [
        "material_lead_time",
        "material_expected",
        "misses_requested",
    ]
    assert found.action.text == "order FLOUR from the supplier"


def test_awaiting_materials_before_production_names_them_still_blocks():
    found = classify(OrderFacts(S.AWAITING_MATERIALS, missing=None), today=TODAY)
    assert found is not None and found.kind == "materials"
    assert found.reasons[0].code == "materials_unknown"


def test_a_material_with_nothing_bringing_it_says_so():
    lost = MissingMaterial(item_code="SALT")
    found = classify(OrderFacts(S.AWAITING_MATERIALS, missing=(lost,)), today=TODAY)
    assert found is not None and found.reasons[0].text == "SALT: some missing, nothing brings it"


def test_every_material_in_with_no_promise_is_stuck_because_production_cannot_plan_it():
    found = classify(OrderFacts(S.AWAITING_PRODUCTION, missing=()), today=TODAY)
    assert found is not None and found.kind == "stuck"
    assert found.reasons[0].code == "cannot_plan" and "no active recipe" in found.reasons[0].text
    assert found.action.code == "add_recipe"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (S.RECEIVED, "no_reservation"),
        (S.AWAITING_PRODUCTION, "cannot_plan"),
        (S.MATERIALS_RESERVED, "no_promise"),
        (S.IN_PRODUCTION, "no_promise"),
    ],
)
def test_no_promise_at_all_is_stuck_with_a_reason_by_status(status: OrderStatus, code: str):
    found = classify(OrderFacts(status), today=TODAY)
    assert found is not None and (found.kind, found.reasons[0].code) == ("stuck", code)


def test_a_ready_order_without_a_promise_is_not_stuck():
    assert kind_of(OrderFacts(S.READY_TO_SHIP)) is None
    assert kind_of(OrderFacts(S.PARTIALLY_SHIPPED)) is None


def test_promised_after_the_asked_for_date_is_at_risk():
    """The issue's order: asked for 18 Dec, promised for 28 Dec."""
    facts = OrderFacts(
        S.IN_PRODUCTION, promised_on=date(2026, 12, 28), requested_on=date(2026, 12, 18)
    )
    found = classify(facts, today=date(2026, 12, 10))
    assert found is not None and found.kind == "at_risk"
    assert found.reasons[0].text == (
        "promised for 2026-12-28, after the 2026-12-18 the customer asked for"
    )
    assert found.action.code == "tell_customer"


def test_a_slipped_promise_is_at_risk_and_counts_its_slips():
    facts = OrderFacts(S.IN_PRODUCTION, promised_on=date(2027, 2, 1), slips=2)
    found = classify(facts, today=TODAY)
    assert found is not None and found.kind == "at_risk"
    assert found.reasons[0].text == "the promise slipped 2 time(s)"


def test_due_within_three_working_days_counts_weekends_out():
    # Friday 25 Dec + 3 working days = Wednesday 30 Dec.
    assert add_working_days(date(2026, 12, 25), 3) == date(2026, 12, 30)
    friday = date(2026, 12, 25)
    due = OrderFacts(S.MATERIALS_RESERVED, promised_on=date(2026, 12, 30))
    later = OrderFacts(S.MATERIALS_RESERVED, promised_on=date(2026, 12, 31))
    assert (classify(due, today=friday) or None) is not None
    assert classify(later, today=friday) is None


def test_a_ready_order_due_soon_or_promised_late_is_not_at_risk():
    facts = OrderFacts(S.READY_TO_SHIP, promised_on=TODAY, requested_on=date(2026, 12, 1), slips=3)
    assert kind_of(facts) is None


def test_the_kinds_are_listed_in_their_precedence():
    assert KINDS == ("late", "held", "materials", "stuck", "at_risk")
