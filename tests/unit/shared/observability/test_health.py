"""Readiness: every check named in the answer, 503 unless all passed, bounded in time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from shared.observability.checks import NotReady, at_head, upstream
from shared.observability.health import CheckResult, health_router, run_check, summary


@dataclass
class Fixed:
    name: str
    answer: str | None = "fine"
    hang: bool = False

    async def check(self) -> str:
        if self.hang:
            await asyncio.Event().wait()  # never answers; the deadline must cut it off
        if self.answer is None:
            raise ConnectionRefusedError("connection refused")
        return self.answer


def test_ready_only_when_every_check_passed():
    code, body = summary(
        [CheckResult("database", True, "answers"), CheckResult("kafka", False, "down")]
    )

    assert code == 503
    assert body == {
        "status": "not ready",
        "checks": {
            "database": {"ok": True, "detail": "answers"},
            "kafka": {"ok": False, "detail": "down"},
        },
    }
    assert summary([CheckResult("database", True, "answers")])[0] == 200


async def test_a_check_that_raises_fails_with_its_reason():
    result = await run_check(Fixed("database", answer=None), within=1)

    assert result == CheckResult("database", False, "ConnectionRefusedError: connection refused")


async def test_a_check_that_hangs_fails_at_the_deadline():
    result = await run_check(Fixed("kafka", hang=True), within=0.05)

    assert not result.ok and "no answer within 0.05s" in result.detail


async def test_a_failure_detail_never_shows_a_password():
    @dataclass
    class Leaky:
        name: str = "database"

        async def check(self) -> str:
            raise OSError("cannot reach postgresql://lotline:hunter2@db:5432/x")

    result = await run_check(Leaky(), within=1)

    assert "hunter2" not in result.detail and "lotline:[redacted]@db" in result.detail


async def test_alive_even_when_not_ready():
    app = FastAPI()
    app.include_router(health_router([Fixed("database"), Fixed("kafka", answer=None)]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        alive, ready = await c.get("/healthz"), await c.get("/readyz")

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is True
    assert ready.json()["checks"]["kafka"]["ok"] is False


def test_migrations_are_at_head_only_when_the_database_has_exactly_the_heads():
    assert at_head(frozenset({"0007"}), frozenset({"0007"})) == "at head 0007"
    with pytest.raises(NotReady, match="database at 0006, scripts at 0007"):
        at_head(frozenset({"0007"}), frozenset({"0006"}))
    with pytest.raises(NotReady, match="database at none"):
        at_head(frozenset({"0001"}), frozenset())


async def test_an_upstream_is_ready_only_when_its_readyz_answers_200():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.host == "orders" else 503)

    transport = httpx.MockTransport(answer)
    ready = await run_check(
        upstream("orders", "http://orders/readyz", transport=transport), within=1
    )
    not_ready = await run_check(
        upstream("inventory", "http://inventory/readyz", transport=transport), within=1
    )

    assert ready == CheckResult("orders", True, "ready")
    assert not not_ready.ok and "answered 503" in not_ready.detail
