"""Handling per shop (else channel, else default) and transit per carrier service, and the
same line promised again on another shop's terms."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.promise.date_rules import LineNeed, line_promise, with_terms
from services.production.promise.plan_rules import (
    OpenProduction,
    Shortfall,
    promise_with_open_production,
)
from services.production.promise.term_rules import Terms, terms_for
from shared.settings import PromiseSettings

ITALY = WorkingCalendar()
MONDAY = date(2027, 3, 1)
SETTINGS = PromiseSettings(
    handling_days=1,
    handling_days_by_shop={"fast.myshopify.com": 0, "etsy": 3},
    transit_days=2,
    transit_days_by_service={"Express": 1, "Economy": 5},
)


def test_a_shop_wins_over_its_channel_and_the_channel_over_the_default():
    assert terms_for(SETTINGS, channel="shopify", shop="fast.myshopify.com") == Terms(0, 2)
    assert terms_for(SETTINGS, channel="etsy", shop="12345") == Terms(3, 2)
    assert terms_for(SETTINGS, channel="shopify", shop="slow.myshopify.com") == Terms(1, 2)
    assert terms_for(SETTINGS) == Terms(1, 2)


def test_a_carrier_service_sets_the_transit_and_an_unknown_one_gets_the_default():
    assert terms_for(SETTINGS, service="Express").transit_days == 1
    assert terms_for(SETTINGS, service="Economy").transit_days == 5
    assert terms_for(SETTINGS, service="Pigeon").transit_days == 2


def test_a_line_promised_on_other_terms_keeps_its_supply_and_counts_handling_and_transit_again():
    default = line_promise(
        LineNeed(line_no=1, in_stock=True, handling_days=1, transit_days=2),
        today=MONDAY,
        calendar=ITALY,
    )

    fast = with_terms(default, handling_days=0, transit_days=1, calendar=ITALY)

    assert default.promised_on == date(2027, 3, 4)  # Tue handling, Thu after two days' transit
    assert fast.promised_on == date(2027, 3, 2)
    assert [t.kind for t in fast.breakdown] == ["stock", "handling", "transit"]
    assert fast.breakdown[-1].label == "carrier transit (1 day)"


def test_an_order_with_its_own_terms_is_promised_on_them_and_its_neighbour_on_the_defaults():
    fast, plain = UUID(int=1), UUID(int=2)
    flour = Shortfall("FLOUR", lead_time_days=5)
    productions = [
        OpenProduction(
            production_order_id=UUID(int=100 + n),
            item_code="BREAD",
            queued=n,
            line=None,
            duration_minutes=0,
            shortfalls=(flour,),
            serves=frozenset({order}),
        )
        for n, order in enumerate([fast, plain])
    ]

    plan = promise_with_open_production(
        (),
        productions,
        today=MONDAY,
        calendar=ITALY,
        lines=[],
        handling_days=1,
        transit_days=2,
        terms_of={fast: Terms(handling_days=0, transit_days=1)},
    )

    assert plan.orders[plain].promised_on == date(2027, 3, 11)  # Mon+5 → Mon 8, +1 +2
    assert plan.orders[fast].promised_on == date(2027, 3, 9)  # Mon 8, +0 +1
