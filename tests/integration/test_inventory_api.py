"""Inventory's HTTP API on the real PostgreSQL: input the database cannot hold is refused
with a 422, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory.main import create_app
from shared.settings import Settings


@pytest.fixture
async def api(
    settings: Settings, inventory_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=inventory_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://inventory") as client:
        yield client


async def test_a_nul_byte_in_a_query_is_a_422_naming_the_refused_value(api):
    answer = await api.get("/api/lots", params={"item_code": "SOAP\x00"})

    assert answer.status_code == 422
    assert answer.json() == {
        "detail": 'invalid value: invalid byte sequence for encoding "UTF8": 0x00'
    }


@pytest.mark.parametrize(
    "days", [{"shelf_life_days": 2_000_000_000}, {"lead_time_days": 2_000_000_000}]
)
async def test_an_item_whose_expiry_or_arrival_cannot_be_a_date_is_refused(api, days):
    code = f"HONEY-{uuid.uuid4().hex[:8].upper()}"

    answer = await api.post("/api/items", json={"code": code, "name": "Honey"} | days)

    assert answer.status_code == 422
    assert (await api.get(f"/api/items/{code}")).status_code == 404


async def test_a_refusal_is_documented_as_a_422_answer(api):
    document = (await api.get("/openapi.json")).json()

    refused = document["paths"]["/api/lots"]["get"]["responses"]["422"]
    schema = refused["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/ErrorMessage"} in schema["anyOf"]
    assert document["components"]["schemas"]["ErrorMessage"]["required"] == ["detail"]
