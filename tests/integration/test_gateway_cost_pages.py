"""Cost of goods on the dashboard: an order's page shows its cost, revenue and margin with
each line's lots at their unit costs (and says so when the cost cannot be loaded); the Costs
page shows the month per channel with the accountant's CSV link, in Italian for an Italian
reader."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from services.gateway.access.principal import Level, Principal
from services.gateway.dashboard.live_feed import LiveFeed
from services.gateway.dashboard.pages import costs, orders
from services.gateway.dashboard.upstream import Upstream
from services.gateway.routes import SERVICES
from shared.settings import Settings
from tests.fakes.services_api import FakeServices, order
from tests.integration.test_gateway_floor_pages import person
from tests.unit.gateway.test_translations import english_left_in

SUMMARY = [
    {
        "channel": "shopify",
        "month": "2026-12",
        "currency": "EUR",
        "orders": 3,
        "orders_without_cost": 1,
        "cost": "8.00",
        "revenue": "20.00",
        "margin": "12.00",
        "margin_percent": "60",
    }
]


def cost_of(order_id: str, *, known: bool = True) -> dict[str, object]:
    return {
        "order_id": order_id,
        "channel": "shopify",
        "external_number": "1001",
        "placed_on": "2026-11-24",
        "currency": "EUR",
        "cost": "2.21" if known else None,
        "revenue": "69.30",
        "margin": "67.09" if known else None,
        "margin_percent": "96.81" if known else None,
        "lines": [
            {
                "line_no": 1,
                "item_code": "BISCUITS",
                "quantity": "7",
                "unit": "pc",
                "lots": [
                    {
                        "lot_code": "BISCUITS-P261124-0b9c8d",
                        "quantity": "7",
                        "unit_cost": "0.316071" if known else None,
                        "currency": "EUR" if known else None,
                        "cost": "2.212497" if known else None,
                    }
                ],
                "cost": "2.212497" if known else None,
                "cost_rounded": "2.21" if known else None,
                "revenue": "69.30",
            }
        ],
    }


def app_for(fake: FakeServices, principal: Principal) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def as_caller(request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.principal = principal
        return await call_next(request)

    app.include_router(costs.router)
    app.include_router(orders.router)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    app.state.upstream = Upstream(client, {svc: f"http://{svc}.test" for svc in SERVICES})
    app.state.live = LiveFeed(Settings())
    return app


async def get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        return await http.get(path)


@pytest.fixture
def fake() -> FakeServices:
    services = FakeServices()
    services.on("GET", "/api/orders/[^/]+/timeline", json=[])
    services.on("GET", "/api/orders/[^/]+/shipments", json=[])
    services.on("GET", "/api/trace/recalls", json=[])
    services.on("GET", "/api/orders/costs", json=SUMMARY)
    return services


async def test_an_order_page_shows_its_cost_revenue_and_margin_with_the_lots(fake):
    shown = order(status="ready_to_ship")
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on("GET", f"/api/orders/{shown['id']}/cost", json=cost_of(str(shown["id"])))

    page = await get(app_for(fake, person(Level.READ)), f"/orders/{shown['id']}")

    assert page.status_code == 200, page.text
    html = page.text
    assert '<dd id="cost-of-goods">2.21 EUR</dd>' in html
    assert '<dd id="cost-revenue">69.30 EUR</dd>' in html
    assert "67.09 EUR (96.81 %)" in html
    assert "BISCUITS-P261124-0b9c8d" in html and "0.316071 EUR" in html

    italian = await get(app_for(fake, person(Level.READ, locale="it")), f"/orders/{shown['id']}")
    assert "Costo del venduto" in italian.text and "2,21 €" in italian.text
    assert english_left_in(italian.text) == []


async def test_an_unknown_cost_says_so_and_an_unreachable_one_does_not_break_the_page(fake):
    shown = order(status="ready_to_ship")
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on("GET", f"/api/orders/{shown['id']}/cost", json=cost_of(str(shown["id"]), known=False))
    unknown = await get(app_for(fake, person(Level.READ)), f"/orders/{shown['id']}")
    assert '<dd id="cost-of-goods">—</dd>' in unknown.text
    assert "Unknown until every line has lots of known cost." in unknown.text

    fake.on("GET", f"/api/orders/{shown['id']}/cost", status=503, json={"detail": "down"})
    broken = await get(app_for(fake, person(Level.READ)), f"/orders/{shown['id']}")
    assert broken.status_code == 200
    assert "The cost of goods could not be loaded." in broken.text


async def test_the_costs_page_shows_the_month_per_channel_and_the_csv_link(fake):
    page = await get(app_for(fake, person(Level.READ)), "/costs?month=2026-12")

    assert page.status_code == 200, page.text
    html = page.text
    assert 'value="2026-12"' in html
    assert 'href="/api/orders/costs.csv?month=2026-12"' in html
    assert "8.00 EUR" in html and "20.00 EUR" in html and "12.00 EUR" in html
    assert "60 %" in html
    [asked] = fake.requests_to("GET", "/api/orders/costs")
    assert asked.url.params["month"] == "2026-12"

    italian = await get(app_for(fake, person(Level.READ, locale="it")), "/costs?month=2026-12")
    assert "Costo del venduto" in italian.text and "12,00 €" in italian.text
    assert english_left_in(italian.text) == []


async def test_the_costs_page_reports_an_unreachable_orders_service(fake):
    fake.on("GET", "/api/orders/costs", status=503, json={"detail": "orders is down"})

    page = await get(app_for(fake, person(Level.READ)), "/costs?month=not-a-month")

    assert page.status_code == 502
    assert "The costs could not be loaded:" in page.text
