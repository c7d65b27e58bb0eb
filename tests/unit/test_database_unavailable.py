"""A database that is restarting or out of reach answers 503 with Retry-After (the caller
retries; nothing was written), never a bare 500; a value it refuses is still a 422."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from shared.db import create_engine
from shared.http import install_error_handlers


class PgError(Exception):
    """Stands for a driver error carrying PostgreSQL's SQLSTATE, as asyncpg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when we return: nobody listens


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    engine = create_engine(f"postgresql+asyncpg://lotline@127.0.0.1:{closed_port()}/lotline")

    @app.get("/orders")
    async def orders() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(sa.text("select 1"))).scalar_one())

    @app.get("/state/{sqlstate}")
    async def state(sqlstate: str) -> None:
        raise DBAPIError("select 1", None, PgError(sqlstate))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client
    await engine.dispose()


async def test_a_database_nobody_answers_on_is_a_503_to_retry(client: httpx.AsyncClient) -> None:
    answer = await client.get("/orders")

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert "unavailable" in answer.json()["detail"]


@pytest.mark.parametrize("sqlstate", ["57P01", "57P03", "08006"])
async def test_a_database_shutting_down_or_starting_is_a_503(
    client: httpx.AsyncClient, sqlstate: str
) -> None:
    assert (await client.get(f"/state/{sqlstate}")).status_code == 503


async def test_a_refused_value_is_still_the_requests_fault(client: httpx.AsyncClient) -> None:
    answer = await client.get("/state/22021")  # invalid byte sequence

    assert answer.status_code == 422


async def test_any_other_database_error_stays_a_server_error(client: httpx.AsyncClient) -> None:
    assert (await client.get("/state/42P01")).status_code == 500  # undefined table: our bug
