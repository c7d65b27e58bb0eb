"""Promising with the open production: queue order, what blocked orders wait for, purchase
orders covering shortages, and a quote equal to the order placed after it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.capacity.scheduling_rules import Line
from services.production.promise.date_rules import LineNeed, Production
from services.production.promise.plan_rules import (
    OpenProduction,
    Plan,
    Shortfall,
    promise_with_open_production,
)
from services.production.purchasing.cover_rules import Expected, covering_date

ITALY = WorkingCalendar()
MONDAY = date(2027, 3, 1)
OVEN = Line(code="OVEN", calendar=ITALY)
ORDER_A, ORDER_B = UUID(int=1), UUID(int=2)


def production(n: int, *, serves: UUID | None = None, **extra: object) -> OpenProduction:
    values: dict[str, object] = {
        "production_order_id": UUID(int=100 + n),
        "item_code": "BREAD",
        "queued": n,
        "line": "OVEN",
        "duration_minutes": 480,
        "serves": frozenset({serves}) if serves else frozenset(),
        **extra,
    }
    return OpenProduction(**values)  # type: ignore[arg-type]


def plan(quoted: list[LineNeed], productions: list[OpenProduction]) -> Plan:
    return promise_with_open_production(
        quoted,
        productions,
        today=MONDAY,
        calendar=ITALY,
        lines=[OVEN],
        handling_days=1,
        transit_days=2,
    )


def test_the_line_queue_is_first_come_first_served():
    got = plan([], [production(0, serves=ORDER_A), production(1, serves=ORDER_B)])
    # A makes Monday, ships Tuesday, arrives Thursday; B waits a day behind it.
    assert got.orders[ORDER_A].promised_on == date(2027, 3, 4)
    assert got.orders[ORDER_B].promised_on == date(2027, 3, 5)
    assert got.orders[ORDER_B].dominant == "line OVEN busy until 2027-03-01"


def test_a_blocked_order_waits_for_its_childs_material_not_for_the_intermediate():
    parent = production(
        0, serves=ORDER_A, shortfalls=(Shortfall("DOUGH"),)
    )  # DOUGH has no lead time: its child makes it
    child = OpenProduction(
        production_order_id=UUID(int=999),
        item_code="DOUGH",
        queued=1,
        line=None,
        duration_minutes=0,
        shortfalls=(Shortfall("FLOUR", lead_time_days=10),),
        parent_id=parent.production_order_id,
    )
    got = plan([], [parent, child])
    assert got.orders[ORDER_A].dominant == "material FLOUR (10 days)"
    assert got.orders[ORDER_A].promised_on == date(2027, 3, 18)


def test_a_shortfall_nothing_can_bring_leaves_the_order_unpromised():
    got = plan([], [production(0, serves=ORDER_A, shortfalls=(Shortfall("SALT"),))])
    assert ORDER_A not in got.orders
    assert "SALT" in got.unpromisable[ORDER_A]


def test_a_quote_queues_behind_open_production_like_the_order_placed_after_it():
    quoted = LineNeed(
        line_no=1,
        in_stock=False,
        handling_days=1,
        transit_days=2,
        production=Production(UUID(int=7), "OVEN", 480, priority=1),
    )
    as_quote = plan([quoted], [production(0, serves=ORDER_A)])
    as_order = plan([], [production(0, serves=ORDER_A), production(1, serves=ORDER_B)])
    assert as_quote.quoted[1].promised_on == as_order.orders[ORDER_B].promised_on


def test_purchase_orders_bring_a_shortage_once_they_cover_it():
    open_orders = [Expected(date(2027, 3, 10), Decimal(5)), Expected(date(2027, 3, 3), Decimal(2))]
    assert covering_date(Decimal(2), open_orders) == date(2027, 3, 3)
    assert covering_date(Decimal(6), open_orders) == date(2027, 3, 10)
    assert covering_date(Decimal(8), open_orders) is None
    assert covering_date(None, open_orders) == date(2027, 3, 3)


def test_a_purchase_order_earlier_than_the_lead_time_sets_the_date():
    flour = Shortfall("FLOUR", lead_time_days=10, expected_on=date(2027, 3, 3))
    got = plan([], [production(0, serves=ORDER_A, shortfalls=(flour,))])
    assert got.orders[ORDER_A].dominant == "material FLOUR (purchase order due 2027-03-03)"
