"""Promises of real orders on the real PostgreSQL: the re-plan promises what a quote
answered, publishes nothing for the same plan, publishes a slip once, and counts an open
purchase order instead of the lead time.

Every re-plan runs ``today`` Monday 1 March 2027; items, lines and orders are unique per test.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import tables as t
from services.production.production_orders import planning
from services.production.promise import replanner
from services.production.purchasing import open_orders
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import (
    PurchaseOrderChanged,
    PurchaseOrderStatus,
    Shortage,
    StockShort,
)
from shared.units import Quantity
from tests.integration.test_production_api import api, code, define, lot
from tests.integration.test_production_quotes import MONDAY, bread_made_on, new_line, quote

__all__ = ["api"]
TODAY = date.fromisoformat(MONDAY)


async def order_short_of(engine: AsyncEngine, bread: str, missing: str) -> uuid.UUID:
    """A customer order production must make ``missing`` pc of ``bread`` for."""
    order_id = uuid.uuid4()
    event = StockShort(
        order_id=order_id,
        reservations=(),
        shortages=(
            Shortage(
                line_no=1,
                item_code=bread,
                requested=Quantity.of(missing, "pc"),
                reserved=Quantity.of("0", "pc"),
                missing=Quantity.of(missing, "pc"),
            ),
        ),
    )
    await apply_once(engine, planning.plan_for_stock_short, Envelope.wrap(event), event)
    return order_id


async def promised(engine: AsyncEngine, order_id: uuid.UUID) -> list[dict[str, Any]]:
    return [envelope["payload"] for envelope in await promise_envelopes(engine, order_id)]


async def promise_envelopes(engine: AsyncEngine, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """The ``OrderPromised`` envelopes staged for ``order_id``, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope)
            .where(
                t.OUTBOX.c.key == str(order_id),
                t.OUTBOX.c.event_type == "production.order_promised",
            )
            .order_by(t.OUTBOX.c.id)
        )
        return [r.envelope for r in rows]


async def test_the_order_is_promised_the_quoted_date_and_the_same_plan_publishes_nothing(
    api, production_engine
):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock=None)
    quoted = await quote(api, bread, "20")

    order_id = await order_short_of(production_engine, bread, "20")
    await replanner.replan(production_engine, today=TODAY)
    await replanner.replan(production_engine, today=TODAY)

    assert [
        (p["promised_on"], p["reason"], p["previous_promised_on"])
        for p in await promised(production_engine, order_id)
    ] == [(quoted["promised_on"], quoted["dominant"], None)]


async def test_a_breakdown_slips_the_promise_once_with_the_previous_date(api, production_engine):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock="100")
    order_id = await order_short_of(production_engine, bread, "20")
    await replanner.replan(production_engine, today=TODAY)

    answer = await api.put(
        f"/api/lines/{line}/capacity", json={"from": "2027-03-01", "to": "2027-03-02", "minutes": 0}
    )
    assert answer.status_code == 200, answer.text
    await replanner.replan(production_engine, today=TODAY)
    await replanner.replan(production_engine, today=TODAY)

    assert [
        (p["promised_on"], p["previous_promised_on"], p["reason"])
        for p in await promised(production_engine, order_id)
    ] == [
        ("2027-03-04", None, f"production on {line} (1 day)"),
        ("2027-03-08", "2027-03-04", f"line {line} down until 2027-03-02"),
    ]


async def test_an_open_purchase_order_replaces_the_lead_time_and_a_late_one_counts_tomorrow(
    api, production_engine
):
    line = await new_line(api)
    bread, flour = await bread_made_on(api, production_engine, line, flour_in_stock=None)
    order_id = await order_short_of(production_engine, bread, "20")  # needs 10 kg of flour

    async def purchase(expected_on: str, remaining: str, revision: int) -> None:
        event = PurchaseOrderChanged(
            purchase_order_id=po_id,
            item_code=flour,
            supplier="Mulino",
            ordered=Quantity.of("10", "kg"),
            received=Quantity.of("0", "kg"),
            remaining=Quantity.of(remaining, "kg"),
            expected_on=date.fromisoformat(expected_on),
            status=PurchaseOrderStatus.OPEN,
            revision=revision,
        )
        await apply_once(
            production_engine,
            open_orders.when_purchase_order_changed,
            Envelope.wrap(event),
            event,
        )

    po_id = uuid.uuid4()
    await purchase("2027-03-03", "4", 1)  # does not cover 10 kg: the lead time still counts
    await replanner.replan(production_engine, today=TODAY)
    await purchase("2027-03-03", "10", 2)
    await replanner.replan(production_engine, today=TODAY)
    await purchase("2027-02-20", "10", 3)  # overdue: expected tomorrow
    await purchase("2027-03-10", "10", 2)  # a stale revision changes nothing
    await replanner.replan(production_engine, today=TODAY)

    assert [p["reason"] for p in await promised(production_engine, order_id)] == [
        f"material {flour} (10 days)",
        f"material {flour} (purchase order due 2027-03-03)",
        f"material {flour} (purchase order due 2027-02-20, late)",
    ]


async def test_a_recipe_that_records_no_time_waits_behind_its_broken_line_in_both(
    api, production_engine
):
    """A quote and a real order agree even for a recipe on a line with no minutes: both
    book the line (for a minute), so both wait until it works again."""
    line = await new_line(api)
    bread, flour = code("BREAD"), code("FLOUR")
    await define(production_engine, bread, "pc", "finished_good")
    await define(
        production_engine, flour, "kg", "raw_material", supplier="Mulino", lead_time_days=10
    )
    await lot(production_engine, code("LOT"), flour, "100", "kg")
    recipe = {
        "item_code": bread,
        "batch_size": "10",
        "unit": "pc",
        "line_code": line,
        "lines": [{"item_code": flour, "quantity": "5", "unit": "kg"}],
    }
    assert (await api.post("/api/recipes", json=recipe)).status_code == 201
    down = {"from": "2027-03-01", "to": "2027-03-02", "minutes": 0}
    assert (await api.put(f"/api/lines/{line}/capacity", json=down)).status_code == 200

    quoted = await quote(api, bread, "20")
    order_id = await order_short_of(production_engine, bread, "20")
    await replanner.replan(production_engine, today=TODAY)

    [first] = await promised(production_engine, order_id)
    assert (first["promised_on"], first["reason"]) == (quoted["promised_on"], quoted["dominant"])
    assert quoted["promised_on"] == "2027-03-08"  # line works again Wednesday, +1 +2 days
