"""Production orders' readable numbers against the real PostgreSQL: the migration numbers
existing orders oldest first and the sequence carries on after them; a new order gets the
next number, carried on its events and shown by the API; the list finds it by what people
type (``MO-00042``, ``mo-42``, ``42``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import read_models
from services.production import tables as t
from services.production.main import create_app
from services.production.production_orders import planning
from shared import db, migrations
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ItemDefined, Shortage, StockShort
from shared.settings import Settings
from shared.units import Quantity

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "production" / "migrations"


async def test_the_migration_numbers_existing_orders_in_creation_order(settings: Settings) -> None:
    name = f"{settings.pg.database_prefix}numbers_production"
    await db.drop_database(settings.pg, name)
    await db.ensure_database(settings.pg, name)
    url = settings.pg.url_for_database(name)
    config = migrations.alembic_config("production", MIGRATIONS, url)
    engine = db.create_engine(url, pool_size=1)
    try:
        await asyncio.to_thread(command.upgrade, config, "0009")
        start = datetime(2026, 12, 1, tzinfo=UTC)
        # ids in the opposite order to their creation: the number follows the time
        ids = sorted((uuid.uuid4() for _ in range(3)), reverse=True)
        async with engine.begin() as conn:
            for nth, po_id in enumerate(ids):
                await conn.execute(
                    sa.text(
                        "INSERT INTO production_order (id, item_code, quantity, unit, status,"
                        " created_at, updated_at) VALUES (:id, 'JAM', 1, 'pc', 'planned', :at, :at)"
                    ),
                    {"id": po_id, "at": start + timedelta(hours=nth)},
                )

        await asyncio.to_thread(command.upgrade, config, "head")

        async with engine.begin() as conn:
            numbered = {
                r.id: r.number
                for r in await conn.execute(
                    sa.select(t.production_order.c.id, t.production_order.c.number)
                )
            }
            next_one = await conn.scalar(
                sa.insert(t.production_order)
                .values(id=uuid.uuid4(), item_code="JAM", quantity=1, unit="pc", status="planned")
                .returning(t.production_order.c.number)
            )
    finally:
        await engine.dispose()
        await db.drop_database(settings.pg, name)

    assert [numbered[i] for i in ids] == [1, 2, 3]
    assert next_one == 4


@pytest.fixture
async def api(
    settings: Settings, production_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=production_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://production") as client:
        yield client


async def _plan(engine: AsyncEngine, item: str) -> uuid.UUID:
    defined = ItemDefined(code=item, name=item.title(), kind="finished_good", base_unit="pc")
    await apply_once(engine, read_models.when_item_defined, Envelope.wrap(defined), defined)
    order_id = uuid.uuid4()
    short = StockShort(
        order_id=order_id,
        reservations=(),
        shortages=(
            Shortage(
                line_no=1,
                item_code=item,
                requested=Quantity.of("5", "pc"),
                reserved=Quantity.zero("pc"),
                missing=Quantity.of("5", "pc"),
            ),
        ),
    )
    await apply_once(engine, planning.plan_for_stock_short, Envelope.wrap(short), short)
    return planning.make_to_order_id(order_id, item)


async def test_a_new_order_gets_the_next_number_on_its_events_and_in_the_api(
    production_engine: AsyncEngine, api: httpx.AsyncClient
) -> None:
    first = await _plan(production_engine, f"NUM-{uuid.uuid4().hex[:6].upper()}")
    second = await _plan(production_engine, f"NUM-{uuid.uuid4().hex[:6].upper()}")

    a = (await api.get(f"/api/production-orders/{first}")).json()
    b = (await api.get(f"/api/production-orders/{second}")).json()
    async with production_engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.event_type, t.OUTBOX.c.envelope).where(
                t.OUTBOX.c.key == str(second)
            )
        )
        carried = {r.event_type: r.envelope["payload"].get("number") for r in rows}

    assert a["number"].startswith("MO-") and len(a["number"]) >= 8
    assert int(b["number"][3:]) == int(a["number"][3:]) + 1
    assert carried["production.production_order_planned"] == b["number"]
    assert carried["production.production_order_status_changed"] == b["number"]


async def test_the_list_finds_an_order_by_its_number_as_people_type_it(
    production_engine: AsyncEngine, api: httpx.AsyncClient
) -> None:
    wanted = await _plan(production_engine, f"NUM-{uuid.uuid4().hex[:6].upper()}")
    await _plan(production_engine, f"NUM-{uuid.uuid4().hex[:6].upper()}")
    number = (await api.get(f"/api/production-orders/{wanted}")).json()["number"]
    digits = str(int(number[3:]))

    found = {
        typed: [
            po["id"] for po in (await api.get("/api/production-orders", params={"q": typed})).json()
        ]
        for typed in (number, number.lower(), f"mo-{digits}", digits)
    }

    assert found == {typed: [str(wanted)] for typed in found}
    nothing = await api.get("/api/production-orders", params={"q": "MO-99999999"})
    assert nothing.json() == []
