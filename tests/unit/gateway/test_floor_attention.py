"""Which open orders the Today page flags as late or at risk, and why."""

from __future__ import annotations

from datetime import date

from services.gateway.dashboard.attention import in_danger, risks_of, slips_in

TODAY = date(2026, 12, 2)


def order(status: str = "awaiting_materials", **fields: object) -> dict[str, object]:
    return {"id": "o-1", "status": status, **fields}


def test_a_passed_promise_on_an_open_order_is_late() -> None:
    assert risks_of(order(promised_on="2026-12-01"), today=TODAY) == ("late",)


def test_a_shipped_order_is_never_late() -> None:
    assert risks_of(order("shipped", promised_on="2026-11-01"), today=TODAY) == ()


def test_a_promise_after_the_requested_date_misses_it() -> None:
    risks = risks_of(order(promised_on="2026-12-20", requested_on="2026-12-18"), today=TODAY)

    assert risks == ("misses_requested",)


def test_a_near_date_is_a_risk_only_while_the_goods_are_not_ready() -> None:
    assert risks_of(order(promised_on="2026-12-04"), today=TODAY) == ("due_soon",)
    assert risks_of(order("ready_to_ship", promised_on="2026-12-04"), today=TODAY) == ()


def test_late_orders_come_first_then_the_earliest_promise() -> None:
    orders = [
        order(id="slipped", promised_on="2026-12-30"),
        order(id="late", promised_on="2026-11-30"),
        order(id="soon", promised_on="2026-12-03"),
        order(id="fine", promised_on="2026-12-30"),
    ]

    found = in_danger(orders, today=TODAY, slips={"slipped": 2})

    assert [a.order["id"] for a in found] == ["late", "soon", "slipped"]
    assert found[0].level == "late" and found[2].slips == 2


def test_slips_are_counted_from_the_timeline() -> None:
    timeline = [{"kind": "promise.set"}, {"kind": "promise.slipped"}, {"kind": "promise.slipped"}]

    assert slips_in(timeline) == 2
