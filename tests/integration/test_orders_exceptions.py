"""``GET /api/orders/exceptions`` on the real PostgreSQL: more exceptions than a page shows,
among them 13 orders whose item has no recipe (no promise, every material in), are each
listed once, in the right kind, and counted; test, closed and on-track orders are not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import service
from services.orders import tables as t
from services.orders.main import create_app
from shared.consuming import apply_once
from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived
from shared.contracts.envelope import Envelope
from shared.settings import Settings
from shared.units import Quantity

PAGE = 10
KINDS = ("late", "held", "materials", "stuck", "at_risk")


@pytest.fixture
async def api(settings: Settings, orders_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=orders_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
        yield client


def day(offset: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=offset)


async def seed(engine: AsyncEngine, status: str, **columns: Any) -> uuid.UUID:
    """One order row as the use cases leave it (the classification is what is tested)."""
    order_id = uuid.uuid4()
    slips = columns.pop("slips", 0)
    async with engine.begin() as conn:
        await conn.execute(
            t.order.insert().values(
                id=order_id,
                channel="shopify",
                shop="exceptions.myshopify.com",
                external_id=str(order_id.int >> 65),
                status=status,
                customer={"name": "Forno Bianchi"},
                **columns,
            )
        )
        for _ in range(slips):
            await conn.execute(
                t.channel_event.insert().values(
                    order_id=order_id, kind="promise.slipped", detail="slipped"
                )
            )
    return order_id


async def every_page(api: httpx.AsyncClient, kind: str) -> tuple[list[dict[str, Any]], int]:
    """Every item of ``kind``, page by page, and the total the first page announced."""
    items: list[dict[str, Any]] = []
    first = (await api.get("/api/orders/exceptions", params={"kind": kind, "limit": PAGE})).json()
    while True:
        answer = await api.get(
            "/api/orders/exceptions", params={"kind": kind, "limit": PAGE, "offset": len(items)}
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()["items"]
        assert len(page) <= PAGE
        items += page
        if len(page) < PAGE:
            return items, int(first["total"])


async def test_every_exception_is_listed_once_and_counted_over_all_open_orders(
    api: httpx.AsyncClient, orders_engine: AsyncEngine
) -> None:
    before = (await api.get("/api/orders/exceptions", params={"limit": 1})).json()["counts"]
    flour = {"item_code": "FLOUR", "missing": {"value": "12.5", "unit": "kg"}, "lead_time_days": 5}
    expected: dict[str, set[uuid.UUID]] = {k: set() for k in KINDS}
    for _ in range(13):  # the 40: no active recipe, so production gives no date
        no_recipe = await seed(orders_engine, "awaiting_production", missing_materials=[])
        expected["stuck"].add(no_recipe)
    expected["stuck"].add(await seed(orders_engine, "received"))
    for n in range(12):
        late = await seed(orders_engine, "in_production", promised_on=day(-1 - n))
        expected["late"].add(late)
    for _ in range(11):
        blocked = await seed(
            orders_engine, "awaiting_materials", promised_on=day(30), missing_materials=[flour]
        )
        expected["materials"].add(blocked)
    asked_earlier = await seed(
        orders_engine, "materials_reserved", promised_on=day(30), requested_on=day(20)
    )
    slipped = await seed(orders_engine, "in_production", promised_on=day(40), slips=2)
    expected["at_risk"] |= {asked_earlier, slipped}
    expected["held"].add(
        await seed(orders_engine, "on_hold", hold_reason="recall: mould (lots L-1)")
    )
    unmapped = InboundOrderReceived(
        channel="shopify",
        shop="exceptions.myshopify.com",
        external_id=str(uuid.uuid4().int >> 65),
        lines=(
            InboundOrderLine(
                external_line_id="1", sku="NO-SUCH", item_code=None, quantity=Quantity.of(1, "pc")
            ),
        ),
    )
    await apply_once(
        orders_engine, service.receive_inbound_order, Envelope.wrap(unmapped), unmapped
    )
    expected["held"].add(service.order_id_for("shopify", unmapped.external_id))
    never = {
        await seed(orders_engine, "awaiting_production", is_test=True),
        await seed(orders_engine, "in_production", is_test=True, promised_on=day(-3)),
        await seed(orders_engine, "shipped", promised_on=day(-3)),
        await seed(orders_engine, "cancelled"),
        await seed(orders_engine, "in_production", promised_on=day(60), requested_on=day(70)),
        await seed(orders_engine, "ready_to_ship"),
    }

    after = (await api.get("/api/orders/exceptions", params={"limit": 1})).json()["counts"]

    assert {k: after[k] - before[k] for k in KINDS} == {k: len(v) for k, v in expected.items()}
    seen: dict[uuid.UUID, list[str]] = {}
    for kind in KINDS:
        items, total = await every_page(api, kind)
        assert total == after[kind] == len(items)
        for item in items:
            seen.setdefault(uuid.UUID(item["id"]), []).append(kind)
            assert item["kind"] == kind and item["reasons"] and item["action"]["text"]
    for kind, ids in expected.items():
        assert {i: seen.get(i) for i in ids} == {i: [kind] for i in ids}
    assert not never & seen.keys()


async def test_an_exception_says_its_reasons_and_next_action_in_words(
    api: httpx.AsyncClient, orders_engine: AsyncEngine
) -> None:
    no_recipe = await seed(orders_engine, "awaiting_production", missing_materials=[])
    flour = {"item_code": "FLOUR", "missing": {"value": "12.5", "unit": "kg"}, "lead_time_days": 5}
    late = await seed(
        orders_engine, "awaiting_materials", promised_on=day(-2), missing_materials=[flour]
    )

    stuck, _ = await every_page(api, "stuck")
    overdue, _ = await every_page(api, "late")

    [mine] = [i for i in stuck if i["id"] == str(no_recipe)]
    assert mine["reasons"][0]["text"] == (
        "no promise yet: production cannot plan it (no active recipe or no line)"
    )
    assert mine["action"]["code"] == "add_recipe" and mine["customer_name"] == "Forno Bianchi"
    [blocked] = [i for i in overdue if i["id"] == str(late)]
    assert [r["code"] for r in blocked["reasons"]] == ["late", "material_unsourced"]
    assert blocked["reasons"][1]["text"] == "FLOUR: 12.5 kg missing, nothing brings it"
    assert blocked["action"]["text"] == "order FLOUR from the supplier"
    assert blocked["missing_materials"][0]["unit"] == "kg"


async def test_an_unknown_kind_is_refused(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/orders/exceptions", params={"kind": "sample"})).status_code == 422


async def test_due_by_lists_what_is_promised_by_that_day_or_has_no_date(
    api: httpx.AsyncClient, orders_engine: AsyncEngine
) -> None:
    """What ships today: due today or earlier, never tomorrow's."""
    due = {
        await seed(orders_engine, "ready_to_ship", promised_on=day(0)),
        await seed(orders_engine, "ready_to_ship", promised_on=day(-4)),
        await seed(orders_engine, "ready_to_ship"),
    }
    tomorrow = await seed(orders_engine, "ready_to_ship", promised_on=day(1))
    params: dict[str, str | int] = {
        "status": "ready_to_ship",
        "due_by": day(0).isoformat(),
        "limit": 500,
    }

    answer = await api.get("/api/orders", params=params)

    listed = {uuid.UUID(o["id"]) for o in answer.json()}
    assert due <= listed and tomorrow not in listed
    assert int(answer.headers["X-Total-Count"]) == len(listed)
