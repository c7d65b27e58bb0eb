"""Cost of goods in orders on the real PostgreSQL: lot unit costs kept from inventory's
``lot_received``, an order's cost from the exact lots reserved to each line, its revenue from
the lines' net prices, and the month summary per channel as JSON and CSV. Orders are placed
in 2032 under channels of their own, so other tests' orders do not count."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import tables as t
from services.orders.costs import lot_costs as costs
from services.orders.main import create_app
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotCostChanged, LotReceived
from shared.settings import Settings
from shared.units import Money, Quantity


@pytest.fixture
async def api(settings: Settings, orders_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=orders_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
        yield client


async def lot_received(engine: AsyncEngine, lot_code: str, unit_cost: str | None) -> None:
    event = LotReceived(
        lot_code=lot_code,
        item_code="BISCUITS",
        quantity=Quantity.of(100, "pc"),
        unit_cost=None if unit_cost is None else Money.of(unit_cost, "EUR"),
    )
    await apply_once(engine, costs.when_lot_received, Envelope.wrap(event), event)


async def seed(
    engine: AsyncEngine,
    channel: str,
    placed_at: datetime,
    lines: list[tuple[str, str, list[tuple[str, str]]]],
    *,
    status: str = "ready_to_ship",
) -> uuid.UUID:
    """An order as intake and reservation leave it: lines with quantity and net price, and
    the lots reserved to each (lot code, quantity)."""
    order_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            t.order.insert().values(
                id=order_id,
                channel=channel,
                shop="costs.example",
                external_id=str(order_id.int >> 65),
                status=status,
                customer={},
                currency="EUR",
                placed_at=placed_at,
            )
        )
        for no, (quantity, net, lots) in enumerate(lines, start=1):
            await conn.execute(
                t.line.insert().values(
                    order_id=order_id,
                    line_no=no,
                    external_line_id=str(no),
                    sku=f"SKU-{no}",
                    item_code="BISCUITS",
                    quantity=Decimal(quantity),
                    unit="pc",
                    net=Decimal(net),
                )
            )
            for lot_code, reserved in lots:
                await conn.execute(
                    t.reservation.insert().values(
                        order_id=order_id,
                        line_no=no,
                        item_code="BISCUITS",
                        lot_code=lot_code,
                        quantity=Decimal(reserved),
                        unit="pc",
                    )
                )
    return order_id


def code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


async def test_an_order_costs_the_lots_reserved_to_each_line(orders_engine, api):
    biscuits, cheaper, dough = code("BISCUITS-P"), code("BISCUITS-Q"), code("DOUGH-P")
    await lot_received(orders_engine, biscuits, "0.316071")  # the hand-computed lot
    await lot_received(orders_engine, cheaper, "0.30")
    await lot_received(orders_engine, dough, "1.25")
    order_id = await seed(
        orders_engine,
        code("shop"),
        datetime(2032, 12, 3, tzinfo=UTC),
        [("7", "10.00", [(biscuits, "4"), (cheaper, "3")]), ("2", "5.50", [(dough, "2")])],
    )

    answer = await api.get(f"/api/orders/{order_id}/cost")

    assert answer.status_code == 200
    body = answer.json()
    assert [(line["cost"], line["cost_rounded"], line["revenue"]) for line in body["lines"]] == [
        ("2.164284", "2.16", "10.00"),
        ("2.5", "2.50", "5.50"),
    ]
    assert [lot["unit_cost"] for lot in body["lines"][0]["lots"]] == ["0.316071", "0.3"]
    assert (body["cost"], body["revenue"], body["margin"], body["margin_percent"]) == (
        "4.66",
        "15.50",
        "10.84",
        "69.94",
    )


async def test_the_order_total_rounds_the_sum_of_unrounded_lines_once(orders_engine, api):
    lots = [code("LOT") for _ in range(3)]
    for lot in lots:
        await lot_received(orders_engine, lot, "0.004")
    order_id = await seed(
        orders_engine,
        code("shop"),
        datetime(2032, 12, 4, tzinfo=UTC),
        [("1", "1.00", [(lot, "1")]) for lot in lots],
    )

    body = (await api.get(f"/api/orders/{order_id}/cost")).json()

    assert [line["cost_rounded"] for line in body["lines"]] == ["0.00", "0.00", "0.00"]
    assert body["cost"] == "0.01"


async def test_an_unknown_lot_cost_leaves_the_order_without_cost_then_a_later_cost_fills_it(
    orders_engine, api
):
    lot = code("LOT")
    await lot_received(orders_engine, lot, None)
    order_id = await seed(
        orders_engine,
        code("shop"),
        datetime(2032, 12, 5, tzinfo=UTC),
        [("2", "3.00", [(lot, "2")])],
    )
    assert (await api.get(f"/api/orders/{order_id}/cost")).json()["cost"] is None

    await lot_received(orders_engine, lot, "0.50")

    assert (await api.get(f"/api/orders/{order_id}/cost")).json()["margin"] == "2.00"


async def test_the_month_summary_per_channel_as_json_and_csv(orders_engine, api):
    channel = code("shop")
    lot, uncosted = code("LOT"), code("LOT")
    await lot_received(orders_engine, lot, "4.005")
    await lot_received(orders_engine, uncosted, None)
    for day in (1, 31):
        await seed(
            orders_engine,
            channel,
            datetime(2032, 12, day, 12, tzinfo=UTC),
            [("1", "10.00", [(lot, "1")])],
        )
    await seed(
        orders_engine,
        channel,
        datetime(2032, 12, 2, tzinfo=UTC),
        [("1", "9.00", [(uncosted, "1")])],
    )
    await seed(  # cancelled: left out
        orders_engine,
        channel,
        datetime(2032, 12, 3, tzinfo=UTC),
        [("1", "9.00", [(lot, "1")])],
        status="cancelled",
    )
    await seed(  # next month
        orders_engine, channel, datetime(2033, 1, 1, tzinfo=UTC), [("1", "9.00", [(lot, "1")])]
    )

    rows = (await api.get("/api/orders/costs", params={"month": "2032-12"})).json()
    [mine] = [r for r in rows if r["channel"] == channel]
    assert mine == {
        "channel": channel,
        "month": "2032-12",
        "currency": "EUR",
        "orders": 3,
        "orders_without_cost": 1,
        "cost": "8.00",
        "revenue": "20.00",
        "margin": "12.00",
        "margin_percent": "60",
    }
    exported = await api.get("/api/orders/costs.csv", params={"month": "2032-12"})
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert (
        lines[0]
        == "month,channel,currency,orders,orders_without_cost,cost,revenue,margin,margin_percent"
    )
    assert f"2032-12,{channel},EUR,3,1,8.00,20.00,12.00,60.00" in lines
    assert (await api.get("/api/orders/costs", params={"month": "December"})).status_code == 422


async def test_a_lot_recosted_by_inventory_recosts_the_orders_holding_it(orders_engine, api):
    lot = code("BISCUITS-P")
    await lot_received(orders_engine, lot, "0.316071")
    order_id = await seed(
        orders_engine,
        code("shop"),
        datetime(2032, 12, 6, tzinfo=UTC),
        [("7", "69.30", [(lot, "7")])],
    )
    assert (await api.get(f"/api/orders/{order_id}/cost")).json()["cost"] == "2.21"

    changed = LotCostChanged(
        lot_code=lot,
        item_code="BISCUITS",
        unit_cost=Money.of("0.333929", "EUR"),
        previous_unit_cost=Money.of("0.316071", "EUR"),
        reason="made from FLOUR-A, re-costed",
    )
    await apply_once(orders_engine, costs.when_lot_cost_changed, Envelope.wrap(changed), changed)

    body = (await api.get(f"/api/orders/{order_id}/cost")).json()
    assert (body["cost"], body["margin"]) == ("2.34", "66.96")  # 7 × 0.333929 = 2.337503
