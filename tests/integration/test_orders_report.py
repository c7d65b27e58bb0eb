"""``GET /api/orders/report`` on the real PostgreSQL: orders seeded in a window of their own
(2031) with known promises, shipping days and times to ready; test orders, orders outside the
windows and closed orders are left out where they should be."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import tables as t
from services.orders.main import create_app
from shared.settings import Settings

AS_OF = date(2031, 3, 15)


@pytest.fixture
async def api(settings: Settings, orders_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=orders_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
        yield client


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2031, month, day, hour, tzinfo=UTC)


async def seed(
    engine: AsyncEngine,
    channel: str,
    created: datetime,
    history: list[tuple[str, datetime]],
    *,
    promised_on: date | None = None,
    lines: tuple[tuple[str, str], ...] = (("1", "pc"),),
    is_test: bool = False,
) -> None:
    """An order as the use cases leave it: its row, lines and status history."""
    order_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            t.order.insert().values(
                id=order_id,
                channel=channel,
                shop="report.example",
                external_id=str(order_id.int >> 65),
                status=history[-1][0],
                customer={},
                promised_on=promised_on,
                is_test=is_test,
                created_at=created,
            )
        )
        for no, (quantity, unit) in enumerate(lines, start=1):
            await conn.execute(
                t.line.insert().values(
                    order_id=order_id,
                    line_no=no,
                    external_line_id=str(no),
                    sku=f"SKU-{no}",
                    quantity=Decimal(quantity),
                    unit=unit,
                )
            )
        previous = None
        for status, when in [("received", created), *history]:
            await conn.execute(
                t.status_history.insert().values(
                    order_id=order_id, previous=previous, status=status, at=when
                )
            )
            previous = status


async def report(api: httpx.AsyncClient) -> dict[str, Any]:
    answer = await api.get("/api/orders/report", params={"as_of": AS_OF.isoformat()})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def units(found: dict[str, Any]) -> dict[str, Decimal]:
    return {u["unit"]: Decimal(u["quantity"]) for u in found["backlog"]["units"]}


async def test_the_report_counts_on_time_backlog_channels_and_time_to_ready(
    orders_engine: AsyncEngine, api: httpx.AsyncClient
) -> None:
    before = await report(api)
    ready, shipped, delivered = "ready_to_ship", "shipped", "delivered"
    # shipped on its promised day, 24 h to ready
    await seed(
        orders_engine,
        "shopify",
        at(10),
        [(ready, at(11)), (shipped, at(12, 10))],
        promised_on=date(2031, 3, 12),
    )
    # shipped a day late, then delivered; 2 h to ready
    await seed(
        orders_engine,
        "etsy",
        at(12, 8),
        [(ready, at(12, 10)), (shipped, at(14)), (delivered, at(15))],
        promised_on=date(2031, 3, 13),
    )
    # never promised a date: neither on time nor late; 6 h to ready
    await seed(orders_engine, "shopify", at(14, 0), [(ready, at(14, 6)), (shipped, at(15, 23))])
    # shipped before the 30 days: not counted anywhere
    await seed(
        orders_engine,
        "shopify",
        at(30, month=1),
        [(ready, at(1, month=2)), (shipped, at(1, 12, month=2))],
        promised_on=date(2031, 1, 31),
    )
    # a test order, shipped late in the window: left out
    await seed(
        orders_engine,
        "shopify",
        at(12),
        [(ready, at(12, 10)), (shipped, at(15))],
        promised_on=date(2031, 3, 12),
        is_test=True,
    )
    # open: waiting for production (3 pc and 1.5 kg), and ready to ship after 12 h (2 pc)
    await seed(
        orders_engine,
        "manual",
        at(15, 1),
        [("awaiting_production", at(15, 1))],
        lines=(("3", "pc"), ("1.5", "kg")),
    )
    await seed(orders_engine, "shopify", at(15, 0), [(ready, at(15, 12))], lines=(("2", "pc"),))
    # cancelled: received that day, not in the backlog
    await seed(orders_engine, "shopify", at(13), [("cancelled", at(13, 11))])

    found = await report(api)

    assert found["as_of"] == "2031-03-15"
    on_time = found["on_time"]
    assert (on_time["first_day"], on_time["last_day"]) == ("2031-02-14", "2031-03-15")
    assert {k: on_time[k] for k in ("shipped", "on_time", "late", "without_promise")} == {
        "shipped": 3,
        "on_time": 1,
        "late": 1,
        "without_promise": 1,
    }
    assert Decimal(on_time["rate"]) == Decimal("50.0")
    assert found["backlog"]["orders"] - before["backlog"]["orders"] == 2
    grown = {u: q - units(before).get(u, Decimal(0)) for u, q in units(found).items()}
    assert grown == {"kg": Decimal("1.5"), "pc": Decimal("5")}
    days = found["per_channel"]["days"]
    assert (len(days), days[0], days[-1]) == (14, "2031-03-02", "2031-03-15")
    channels = {c["channel"]: c["counts"] for c in found["per_channel"]["channels"]}
    assert [c["channel"] for c in found["per_channel"]["channels"]] == ["shopify", "etsy", "manual"]
    assert channels["shopify"][-6:] == [1, 0, 0, 1, 1, 1]  # 10th to 15th (12th: a test order)
    assert sum(channels["etsy"]) == 1 and channels["etsy"][10] == 1  # the 12th
    assert channels["manual"][-1] == 1
    assert found["ready_time"]["orders"] == 4  # 2, 6, 12 and 24 hours
    assert Decimal(found["ready_time"]["median_hours"]) == Decimal("9.0")
