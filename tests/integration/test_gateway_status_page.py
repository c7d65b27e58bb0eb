"""The Status page over canned /healthz, /readyz and /metrics answers: each process's checks,
their details and what could not be read, in the reader's language (issue 25 §5)."""

from __future__ import annotations

import html
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from services.gateway.access.principal import Level, Principal
from services.gateway.dashboard.pages import status
from services.gateway.dashboard.upstream import Upstream
from services.gateway.routes import SERVICES
from tests.fakes.services_api import FakeServices
from tests.unit.gateway.test_translations import english_left_in

METRICS = """# TYPE lotline_kafka_consumer_lag gauge
lotline_kafka_consumer_lag{group="orders-projector",topic="orders",partition="0"} 1234
# TYPE lotline_dead_letters gauge
lotline_dead_letters{kind="kafka"} 2
"""

READY = {
    "status": "ready",
    "checks": {
        "database": {"ok": True, "detail": "answers"},
        "kafka": {"ok": True, "detail": "1 broker(s)"},
        "migrations": {"ok": True, "detail": "at head 0007_lots"},
    },
}
NOT_READY = {
    "status": "not ready",
    "checks": {
        "database": {"ok": True, "detail": "answers"},
        "kafka": {"ok": False, "detail": "no answer within 2.5s"},
        "migrations": {
            "ok": False,
            "detail": "NotReady: database at none, scripts at 0003_holds",
        },
    },
}
RAW_ERROR = (
    "OperationalError: (psycopg.OperationalError) connection failed: connection to server at "
    '"10.0.0.7", port 55512 failed: Connection refused'
)
DOWN_DATABASE = {"status": "not ready", "checks": {"database": {"ok": False, "detail": RAW_ERROR}}}


def person(locale: str | None) -> Principal:
    return Principal(
        kind="user",
        id=uuid.uuid4(),
        name="sara",
        level=Level.READ,
        locale=locale,
        via_cookie=True,
        csrf_token="the-csrf-token",
    )


def answer(request: httpx.Request) -> httpx.Response:
    """orders: ready; inventory: not ready, /metrics failing; production: down;
    connectors: no /readyz and unreadable metrics; trace: its database refuses connections."""
    service, path = request.url.host.split(".")[0], request.url.path
    if service == "production":
        raise httpx.ConnectError("connection refused", request=request)
    if path == "/healthz":
        return httpx.Response(200, json={"status": "alive"})
    if path == "/readyz":
        if service == "inventory":
            return httpx.Response(503, json=NOT_READY)
        if service == "connectors":
            return httpx.Response(404, json={"detail": "Not Found"})
        if service == "trace":
            return httpx.Response(503, json=DOWN_DATABASE)
        return httpx.Response(200, json=READY)
    if service == "inventory":
        return httpx.Response(500, text="boom")
    if service == "connectors":
        return httpx.Response(200, text="lotline_x{ not metrics at all")
    return httpx.Response(200, text=METRICS)


def status_app(principal: Principal) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def as_caller(request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.principal = principal
        return await call_next(request)

    app.include_router(status.router)
    fake = FakeServices()
    for path in ("/healthz", "/readyz", "/metrics"):
        fake.on("GET", path, answer=answer)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    app.state.upstream = Upstream(client, {svc: f"http://{svc}.test" for svc in SERVICES})
    return app


@pytest.fixture
async def page() -> AsyncIterator[dict[str, str]]:
    shown: dict[str, str] = {}
    for locale in ("it", "en"):
        transport = httpx.ASGITransport(app=status_app(person(locale)))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            answered = await client.get("/status")
            assert answered.status_code == 200
            shown[locale] = html.unescape(answered.text)
    yield shown


async def test_an_italian_reader_sees_every_status_detail_in_italian(page: dict[str, str]) -> None:
    italian = page["it"]

    # the checks and their details, as the services wrote them, said in Italian
    assert "migrazioni" in italian and "risponde" in italian and "1 broker" in italian
    assert "all'ultima versione 0007_lots" in italian
    assert "nessuna risposta entro 2,5 s" in italian
    assert "non pronto: database alla versione none, script alla versione 0003_holds" in italian
    # what the gateway could not read
    assert "nessun /metrics (500)" in italian
    assert "metriche illeggibili (" in italian
    assert "nessun /readyz" in italian and "irraggiungibile" in italian
    # numbers with the Italian thousands separator
    assert "1.234" in italian
    assert english_left_in(italian) == []
    for english in ("answers", "broker(s)", "at head", "no answer within", "NotReady"):
        assert english not in italian, english


async def test_an_english_reader_sees_the_details_as_the_services_wrote_them(
    page: dict[str, str],
) -> None:
    english = page["en"]

    assert "answers" in english and "1 broker(s)" in english and "at head 0007_lots" in english
    assert "no answer within 2.5s" in english
    assert "not ready: database at none, scripts at 0003_holds" in english
    assert "no /metrics (500)" in english and "unreadable metrics (" in english
    assert "orders-projector: 1234" in english


async def test_a_raised_error_is_shown_as_its_kind_and_its_text_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shown: dict[str, str] = {}
    with caplog.at_level("WARNING", logger="services.gateway.dashboard.pages.status"):
        for locale in ("en", "it"):
            transport = httpx.ASGITransport(app=status_app(person(locale)))
            async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as c:
                shown[locale] = html.unescape((await c.get("/status")).text)

    trace = shown["en"][shown["en"].index('id="p-trace"') :]
    assert '<span class="muted">refuses the connection</span>' in trace
    assert '<span class="muted">rifiuta la connessione</span>' in shown["it"]
    for page in shown.values():
        assert "OperationalError" not in page and "55512" not in page and "10.0.0.7" not in page
    logged = [r.getMessage() for r in caplog.records]
    assert f"trace: readiness check database failed: {RAW_ERROR}" in logged
