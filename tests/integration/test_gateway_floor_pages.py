"""The floor pages (Today, orders, order detail, new order) rendered over canned service
answers: the right data on the page, no write control for a viewer, a refusal shown as the
service's words, never a 500. The gate itself is tested with the real system (e2e)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import cast

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sse_starlette import ServerSentEvent
from starlette.middleware.base import RequestResponseEndpoint

from services.gateway.access.principal import Level, Principal
from services.gateway.dashboard.live_feed import LiveFeed
from services.gateway.dashboard.pages import (
    live,
    manual_order,
    orders,
    production,
    reports,
    search,
    stock,
    today,
    trace,
)
from services.gateway.dashboard.pages import (
    status as status_page,
)
from services.gateway.dashboard.upstream import Upstream
from services.gateway.routes import SERVICES
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderStatus, OrderStatusChanged
from shared.settings import Settings
from tests.fakes.services_api import (
    FakeServices,
    days_from_today,
    dead_letter,
    order,
    production_order,
    quote_answer,
)
from tests.unit.gateway.test_translations import english_left_in

MODULES = (
    live,
    manual_order,
    orders,
    production,
    reports,
    search,
    status_page,
    stock,
    today,
    trace,
)


def person(level: Level, *, locale: str | None = None) -> Principal:
    return Principal(
        kind="user",
        id=uuid.uuid4(),
        name="sara",
        level=level,
        locale=locale,
        via_cookie=True,
        csrf_token="the-csrf-token",
    )


def floor_app(fake: FakeServices, principal: Principal) -> FastAPI:
    """Only the floor pages, with the caller set as the gate would set it."""
    app = FastAPI()

    @app.middleware("http")
    async def as_caller(request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.principal = principal
        return await call_next(request)

    for module in MODULES:
        app.include_router(module.router)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    app.state.upstream = Upstream(client, {svc: f"http://{svc}.test" for svc in SERVICES})
    app.state.live = LiveFeed(Settings())
    return app


@pytest.fixture
def fake() -> FakeServices:
    services = FakeServices()
    services.on("GET", "/api/orders", json=[], headers={"X-Total-Count": "0"})
    services.on("GET", "/api/production-orders", json=[])
    services.on("GET", "/api/write-backs", json=[])
    services.on("GET", "/api/webhook-deliveries", json=[])
    services.on("GET", "/api/dead-letters/[a-z]+", json=[], headers={"X-Total-Count": "0"})
    services.on("GET", "/api/orders/[^/]+/timeline", json=[])
    services.on("GET", "/api/orders/[^/]+/shipments", json=[])
    services.on("GET", "/api/orders/exceptions", answer=exceptions_answer({}))  # type: ignore[arg-type]
    services.on("GET", "/api/trace/recalls", json=[])
    return services


def exceptions_answer(found: dict[str, list[dict[str, object]]], open_orders: int = 60) -> object:
    """``GET /api/orders/exceptions`` over ``found`` (kind → its items), paged as asked."""

    def answer(request: httpx.Request) -> httpx.Response:
        kind = request.url.params["kind"]
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        items = found.get(kind, [])
        body = {
            "today": datetime.now(UTC).date().isoformat(),
            "open_orders": open_orders,
            "counts": {k: len(v) for k, v in found.items()},
            "kind": kind,
            "total": len(items),
            "offset": offset,
            "limit": limit,
            "items": items[offset : offset + limit],
        }
        return httpx.Response(200, json=body)

    return answer


def words(code: str, message: str, **params: str) -> dict[str, object]:
    return {"code": code, "message": message, "params": params, "text": message.format(**params)}


def exception(
    kind: str, number: str, *reasons: dict[str, object], **more: object
) -> dict[str, object]:
    """One exception as the orders service lists it."""
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "channel": "shopify",
        "shop": "bottega.myshopify.com",
        "external_id": number,
        "external_number": number,
        "customer_name": "Forno Bianchi",
        "status": more.get("status", "awaiting_production"),
        "requested_on": more.get("requested_on"),
        "promised_on": more.get("promised_on"),
        "promise_reason": more.get("promise_reason"),
        "hold_reason": None,
        "slips": 0,
        "created_at": datetime.now(UTC).isoformat(),
        "reasons": list(reasons),
        "action": more.get("action", words("tell_customer", "tell the customer the new date")),
        "missing_materials": None,
    }


NO_RECIPE = "no promise yet: production cannot plan it (no active recipe or no line)"


Browser = Callable[[Principal], httpx.AsyncClient]


@pytest.fixture
async def browser(fake: FakeServices) -> AsyncIterator[Browser]:
    opened: list[httpx.AsyncClient] = []

    def open_as(principal: Principal) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=floor_app(fake, principal))
        client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        await client.aclose()


def orders_by_status(answers: dict[str, tuple[list[dict[str, object]], int]]) -> object:
    def answer(request: httpx.Request) -> httpx.Response:
        statuses = request.url.params.get_list("status")
        found = [o for s in statuses for o in answers.get(s, ([], 0))[0]]
        total = sum(answers.get(s, ([], 0))[1] for s in statuses)
        return httpx.Response(200, json=found, headers={"X-Total-Count": str(total)})

    return answer


async def test_today_shows_the_board_the_late_orders_the_shortages_and_the_dead_write_backs(
    fake: FakeServices, browser: Browser
) -> None:
    ready = order(status="ready_to_ship", external_number="2001", promised_on=days_from_today(2))
    late = order(
        status="awaiting_materials",
        external_number="2002",
        promised_on=days_from_today(-1),
        promise_reason="material FIGS (10 days)",
    )
    passed = "promised for {promised}: the date has passed and it has not shipped"
    late_exception = exception(
        "late",
        "2002",
        words("late", passed, promised=str(late["promised_on"])),
        status="awaiting_materials",
        promised_on=late["promised_on"],
        promise_reason="material FIGS (10 days)",
    )
    late_exception["id"] = late["id"]
    fake.on("GET", "/api/orders/exceptions", answer=exceptions_answer({"late": [late_exception]}))  # type: ignore[arg-type]
    fake.on(
        "GET",
        "/api/orders",
        answer=orders_by_status({"ready_to_ship": ([ready], 7), "awaiting_materials": ([late], 1)}),  # type: ignore[arg-type]
    )
    blocked = production_order(
        demands=[{"order_id": late["id"], "line_no": 1, "quantity": "12", "unit": "pc"}],
        shortages=[
            {
                "item_code": "FIGS",
                "needed": {"value": "6", "unit": "kg"},
                "available": {"value": "2", "unit": "kg"},
                "missing": {"value": "4", "unit": "kg"},
                "supplier": "Frutteto Sud",
                "lead_time_days": 10,
            }
        ],
    )
    fake.on("GET", "/api/production-orders", json=[blocked])
    dead = {
        "id": str(uuid.uuid4()),
        "shipment_id": str(uuid.uuid4()),
        "order_id": ready["id"],
        "shop": "bottega.myshopify.com",
        "external_id": "5550001",
        "kind": "fulfillment",
        "status": "dead",
        "attempts": 4,
        "last_error": "HTTP 502 from Shopify",
        "external_fulfillment_id": None,
        "payload": {},
        "created_at": datetime.now(UTC).isoformat(),
        "updated_at": datetime.now(UTC).isoformat(),
    }
    fake.on("GET", "/api/write-backs", json=[dead])

    page = await browser(person(Level.WRITE)).get("/")

    assert page.status_code == 200, page.text
    html = page.text
    board = html[html.index('id="board"') : html.index('id="late"')]
    assert re.search(
        r'data-status="ready_to_ship">.*?<span class="count"[^>]*>7</span>', board, re.S
    )
    assert f'href="/orders/{ready["id"]}"' in board
    late_panel = html[html.index('id="late"') : html.index('id="held"')]
    assert "2002" in late_panel and "the date has passed and it has not shipped" in late_panel
    assert "material FIGS (10 days)" in late_panel
    assert 'data-count="1"' in late_panel
    assert "FIGS</strong>: 4 kg" in html and "Frutteto Sud, 10 days lead time" in html
    shortages = html[html.index('id="shortages"') :]
    number = f'<a href="/production/{blocked["id"]}" class="production-number">MO-00007</a>'
    assert number in shortages
    assert f'action="/today/write-backs/{dead["id"]}/replay"' in html
    assert 'name="csrf_token" value="the-csrf-token"' in html
    [shipping] = [r for r in fake.requests_to("GET", "/api/orders") if "due_by" in r.url.params]
    assert shipping.url.params["due_by"] == datetime.now(UTC).date().isoformat()
    assert shipping.url.params.get_list("status") == ["ready_to_ship", "partially_shipped"]


async def test_every_exception_kind_has_its_panel_with_its_count_reasons_and_next_action(
    fake: FakeServices, browser: Browser
) -> None:
    """More stuck orders than a panel shows: the count is the service's, not the page's,
    and the next page is one link away."""
    stuck = [
        exception(
            "stuck",
            f"30{n:02}",
            words("cannot_plan", NO_RECIPE),
            action=words("add_recipe", "give its item an active recipe and a production line"),
        )
        for n in range(11)
    ]
    flour = words(
        "material_expected",
        "{item}: {missing} missing, expected on {date} (purchase order)",
        item="FLOUR",
        missing="12.5 kg",
        date="2027-01-04",
    )
    blocked = exception("materials", "3100", flour, status="awaiting_materials")
    held = exception(
        "held",
        "3200",
        words("unmapped_item", "on hold: no item is mapped to {skus}", skus="FIG-9"),
        status="on_hold",
    )
    asked = words(
        "misses_requested",
        "promised for {promised}, after the {requested} the customer asked for",
        promised="2026-12-28",
        requested="2026-12-18",
    )
    risky = exception(
        "at_risk",
        "3300",
        asked,
        status="in_production",
        promised_on="2026-12-28",
        requested_on="2026-12-18",
    )
    fake.on(
        "GET",
        "/api/orders/exceptions",
        answer=exceptions_answer(  # type: ignore[arg-type]
            {"stuck": stuck, "materials": [blocked], "held": [held], "at_risk": [risky]}
        ),
    )
    client = browser(person(Level.READ))

    html = (await client.get("/")).text
    following = (await client.get("/today/stuck?stuck_offset=8")).text

    def panel(kind: str, text: str) -> str:
        start = text.index(f'<section id="{kind}"')
        return text[start : text.index("</section>", start)]

    stuck_panel = panel("stuck", html)
    assert 'data-count="11"' in stuck_panel
    assert stuck_panel.count('data-reason="cannot_plan"') == today.ROWS
    assert NO_RECIPE in stuck_panel and "give its item an active recipe" in stuck_panel
    assert "1–8 of 11" in stuck_panel and 'hx-get="/today/stuck?stuck_offset=8"' in stuck_panel
    assert panel("stuck", following).count('data-reason="cannot_plan"') == 3
    assert "9–11 of 11" in following and "3010" in following
    assert "FLOUR: 12.5 kg missing, expected on 2027-01-04" in panel("materials", html)
    assert "no item is mapped to FIG-9" in panel("held", html)
    assert "after the 2026-12-18 the customer asked for" in panel("at_risk", html)
    assert "No open order is past its promised date. (60 open orders looked at)" in panel(
        "late", html
    )
    asked_for = [r.url.params for r in fake.requests_to("GET", "/api/orders/exceptions")]
    assert {p["kind"] for p in asked_for} == set(today.EXCEPTIONS)
    assert all(p["limit"] == str(today.ROWS) for p in asked_for)


async def test_a_missing_order_looks_again_a_few_times_then_stops_and_says_so(
    fake: FakeServices, browser: Browser
) -> None:
    missing = uuid.uuid4()
    fake.on("GET", f"/api/orders/{missing}", status=404, json={"detail": "no order"})
    client = browser(person(Level.READ))

    first = await client.get(f"/orders/{missing}")
    last = await client.get(f"/orders/{missing}?look={orders.LOOKS - 1}")
    gave_up = await client.get(f"/orders/{missing}?look={orders.LOOKS}")

    assert first.status_code == gave_up.status_code == 404
    assert f'content="2;url=/orders/{missing}?look=1"' in first.text
    assert f"?look={orders.LOOKS}" in last.text and 'id="order-pending"' in last.text
    assert 'http-equiv="refresh"' not in gave_up.text
    assert "looked for it for 30 seconds and stopped" in gave_up.text


async def test_an_italian_shift_lead_reads_the_exceptions_in_italian(
    fake: FakeServices, browser: Browser
) -> None:
    stuck = exception("stuck", "3001", words("cannot_plan", NO_RECIPE))
    fake.on("GET", "/api/orders/exceptions", answer=exceptions_answer({"stuck": [stuck]}))  # type: ignore[arg-type]

    html = (await browser(person(Level.READ, locale="it")).get("/")).text

    assert "Fermi senza data promessa" in html
    assert "la produzione non può pianificarlo (nessuna ricetta attiva" in html


async def test_a_viewer_sees_no_write_control_anywhere(
    fake: FakeServices, browser: Browser
) -> None:
    held = order(status="on_hold", hold_reason="unknown_sku: FIG-JAM-XL")
    fake.on("GET", f"/api/orders/{held['id']}", json=held)
    fake.on("GET", "/api/orders", json=[held], headers={"X-Total-Count": "1"})
    fake.on(
        "GET",
        "/api/write-backs",
        json=[
            {
                "id": str(uuid.uuid4()),
                "shipment_id": str(uuid.uuid4()),
                "order_id": held["id"],
                "shop": "s",
                "external_id": "1",
                "kind": "fulfillment",
                "status": "dead",
                "attempts": 4,
                "last_error": "x",
                "external_fulfillment_id": None,
                "payload": {},
                "created_at": datetime.now(UTC).isoformat(),
                "updated_at": datetime.now(UTC).isoformat(),
            }
        ],
    )
    fake.on("GET", "/api/dead-letters/inventory", json=[dead_letter()])
    viewer = browser(person(Level.READ))

    pages = [await viewer.get(path) for path in ("/", f"/orders/{held['id']}", "/orders/new")]

    for page in pages:
        assert page.status_code == 200, page.text
        main = page.text.split('<main id="main">', 1)[1].split("</main>", 1)[0]
        assert "<form" not in main and "<button" not in main and "<input" not in main
    assert "Unknown SKU: FIG-JAM-XL" in pages[1].text
    assert "Release the hold" not in pages[1].text and "Replay" not in pages[0].text
    assert "only an operator can take an order" in pages[2].text


async def test_an_operator_sees_the_order_with_lots_production_shipments_and_timeline(
    fake: FakeServices, browser: Browser
) -> None:
    po_id = str(uuid.uuid4())
    shown = order(
        status="ready_to_ship",
        promised_on="2026-12-15",
        promise_reason="production on OVEN-1 (1 day)",
        reservations=[
            {
                "line_no": 1,
                "item_code": "FIG-JAM-340G",
                "lot_code": "FIG-JAM-P261201-a",
                "quantity": "12",
                "unit": "pc",
                "expires_on": "2027-06-01",
            }
        ],
        production_orders=[
            {
                "line_no": 1,
                "production_order_id": po_id,
                "production_number": "MO-00042",
                "item_code": "FIG-JAM-340G",
                "quantity": "12",
                "unit": "pc",
                "status": "completed",
                "material_shortages": [],
            }
        ],
    )
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on(
        "GET",
        f"/api/orders/{shown['id']}/timeline",
        json=[
            {
                "at": "2026-12-01T09:00:00+00:00",
                "kind": "status.received",
                "summary": "received",
                "detail": {},
            },
            {
                "at": "2026-12-01T09:00:01+00:00",
                "kind": "promise.slipped",
                "summary": "promise slipped: 2026-12-10 → 2026-12-15",
                "detail": {},
            },
            {
                "at": "2026-12-01T09:00:02+00:00",
                "kind": "production.completed",
                "summary": f"production order {po_id} (FIG-JAM-340G) completed",
                "detail": {
                    "production_order_id": po_id,
                    "number": "MO-00042",
                    "item_code": "FIG-JAM-340G",
                    "status": "completed",
                    "quantity": "12",
                    "unit": "pc",
                    "reason": None,
                    "shipment_id": None,
                },
            },
        ],
    )

    page = await browser(person(Level.WRITE)).get(f"/orders/{shown['id']}")

    assert page.status_code == 200, page.text
    html = page.text
    assert "FIG-JAM-P261201-a" in html and "2027-06-01" in html
    assert f'href="/production/{po_id}"' in html
    assert "production on OVEN-1 (1 day)" in html and "2026-12-15" in html
    assert "Promise slipped" in html and "2026-12-10 → 2026-12-15" in html
    link = f'<a href="/production/{po_id}" class="production-number">MO-00042</a>'
    assert link in html
    assert f'Production order <a href="/production/{po_id}">MO-00042</a> completed' in html
    assert f"production order {po_id}" not in html  # the sentence, not the service's words
    assert f'action="/orders/{shown["id"]}/ship"' in html
    assert f'action="/orders/{shown["id"]}/cancel"' in html
    assert "Release the hold" not in html


async def test_the_order_page_names_the_materials_missing_deep_down_and_flags_a_test_order(
    fake: FakeServices, browser: Browser
) -> None:
    shown = order(
        status="awaiting_materials",
        is_test=True,
        missing_materials=[
            {
                "item_code": "FLOUR-00",
                "missing": "4",
                "unit": "kg",
                "lead_time_days": 10,
                "expected_on": "2026-12-10",
                "arrives_on": "2026-12-22",
                "production_order_id": str(uuid.uuid4()),
            },
            {
                "item_code": "SALT",
                "missing": None,
                "unit": None,
                "lead_time_days": None,
                "expected_on": None,
                "arrives_on": None,
                "production_order_id": None,
            },
        ],
    )
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on("GET", f"/api/orders/{shown['id']}/timeline", json=[])

    page = await browser(person(Level.READ)).get(f"/orders/{shown['id']}")

    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="test-order"' in html
    assert "Materials missing at any recipe level" in html
    flour = html[html.index('data-item-code="FLOUR-00"') :].split("</li>")[0]
    assert "4 kg" in flour and "(purchase order)" in flour
    salt = html[html.index('data-item-code="SALT"') :].split("</li>")[0]
    assert "nothing brings it yet" in salt


async def test_a_refused_cancel_shows_the_services_words_on_the_order_page(
    fake: FakeServices, browser: Browser
) -> None:
    shown = order(status="in_production")
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on(
        "POST",
        f"/api/orders/{shown['id']}/cancel",
        status=409,
        json={"detail": "order is in production: cancel its production order first"},
    )

    operator = browser(person(Level.WRITE))
    asked = await operator.post(
        f"/orders/{shown['id']}/cancel", data={"reason": "customer changed their mind"}
    )
    assert asked.status_code == 200 and 'id="confirm-cancel"' in asked.text
    assert fake.requests_to("POST", f"/api/orders/{shown['id']}/cancel") == []
    answer = await operator.post(
        f"/orders/{shown['id']}/cancel",
        data={"reason": "customer changed their mind", "confirmed": "yes"},
    )

    assert answer.status_code == 409
    assert "Refused: order is in production: cancel its production order first" in answer.text
    assert fake.body_of("POST", f"/api/orders/{shown['id']}/cancel") == {
        "reason": "customer changed their mind"
    }


async def test_shipping_from_the_page_sends_the_tracking_number_and_redirects(
    fake: FakeServices, browser: Browser
) -> None:
    shown = order(status="ready_to_ship")
    fake.on("POST", f"/api/orders/{shown['id']}/shipments", status=201, json={"id": "s"})

    answer = await browser(person(Level.WRITE)).post(
        f"/orders/{shown['id']}/ship", data={"tracking_number": "BRT-0042"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/orders/{shown['id']}?done=shipped"
    body = fake.body_of("POST", f"/api/orders/{shown['id']}/shipments")
    assert body == {"carrier": "manual", "tracking_number": "BRT-0042", "tracking_url": None}


async def test_a_refused_replay_answers_htmx_with_the_panel_and_the_reason(
    fake: FakeServices, browser: Browser
) -> None:
    wb = str(uuid.uuid4())
    fake.on("POST", f"/api/write-backs/{wb}/replay", status=409, json={"detail": "not dead"})

    answer = await browser(person(Level.WRITE)).post(
        f"/today/write-backs/{wb}/replay", headers={"HX-Request": "true"}
    )

    assert answer.status_code == 200  # htmx swaps only a 2xx: the panel carries the refusal
    assert answer.text.lstrip().startswith('<section id="dead"')
    assert "Refused: not dead" in answer.text


async def test_today_lists_the_waiting_kafka_dead_letters_of_every_service_with_replay(
    fake: FakeServices, browser: Browser
) -> None:
    older = dead_letter(dead_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    newer = dead_letter(
        service="trace",
        dlq_topic="lotline.inventory.events.dlq",
        offset=7,
        original_topic="lotline.inventory.events",
        event_type=None,
        reason="poison: not JSON",
    )
    fake.on("GET", "/api/dead-letters/inventory", json=[older], headers={"X-Total-Count": "12"})
    fake.on("GET", "/api/dead-letters/trace", json=[newer], headers={"X-Total-Count": "1"})
    fake.on("GET", "/api/dead-letters/production", status=503, json={"detail": "Kafka is down"})

    page = await browser(person(Level.WRITE)).get("/")

    assert page.status_code == 200, page.text
    panel = page.text[page.text.index('id="dead"') :]
    assert "Dead-lettered events on the Kafka topics have no replay yet" not in page.text
    assert panel.index("poison: not JSON") < panel.index("IntegrityError")  # newest first
    assert "orders.order_received" in panel and "unreadable" in panel
    assert "lotline.inventory.on_order_event" in panel
    assert 'action="/today/dead-letters/inventory/lotline.orders.events.dlq/1/42/replay"' in panel
    assert 'action="/today/dead-letters/trace/lotline.inventory.events.dlq/1/7/replay"' in panel
    assert 'name="csrf_token" value="the-csrf-token"' in panel
    assert "Showing 2 of 13 waiting." in panel
    assert "Could not load the dead letters of production: Kafka is down" in panel
    asked = fake.requests_to("GET", "/api/dead-letters/inventory")[0]
    assert asked.url.params["status"] == "waiting"


async def test_replaying_a_dead_letter_asks_its_service_as_the_caller_and_says_so(
    fake: FakeServices, browser: Browser
) -> None:
    path = "/api/dead-letters/inventory/lotline.orders.events.dlq/1/42/replay"
    fake.on("POST", path, json={"original_topic": "lotline.orders.events"})
    operator = browser(person(Level.WRITE))

    answer = await operator.post(
        "/today/dead-letters/inventory/lotline.orders.events.dlq/1/42/replay"
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/?done=republished"
    [sent] = fake.requests_to("POST", path)
    assert sent.headers["x-lotline-actor"] == "sara"
    shown = await operator.get(answer.headers["location"])
    assert "Published again on its original topic." in shown.text


async def test_a_second_replay_of_a_dead_letter_shows_the_services_refusal(
    fake: FakeServices, browser: Browser
) -> None:
    path = "/api/dead-letters/trace/t.dlq/0/3/replay"
    fake.on("POST", path, status=409, json={"detail": "t.dlq/0/3 was already replayed by user:ada"})
    operator = browser(person(Level.WRITE))

    answer = await operator.post(
        "/today/dead-letters/trace/t.dlq/0/3/replay", headers={"HX-Request": "true"}
    )
    unknown = await operator.post("/today/dead-letters/billing/t.dlq/0/3/replay")

    assert answer.status_code == 200
    assert "Refused: t.dlq/0/3 was already replayed by user:ada" in answer.text
    assert unknown.status_code == 404


async def test_a_service_that_is_down_empties_its_panel_not_the_page(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/production-orders", status=503, json={"detail": "production is down"})

    page = await browser(person(Level.WRITE)).get("/")

    assert page.status_code == 200
    assert "Could not load this part: production is down" in page.text
    assert "Orders by status" in page.text


async def test_the_orders_list_asks_for_one_page_and_links_the_next(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/orders", json=[order()] * 26, headers={"X-Total-Count": "60"})

    page = await browser(person(Level.READ)).get("/orders?status=received&offset=25")

    assert page.status_code == 200
    [asked] = fake.requests_to("GET", "/api/orders")
    assert asked.url.params["limit"] == "26" and asked.url.params["offset"] == "25"
    assert asked.url.params["status"] == "received"
    assert page.text.count('<tr data-order-id="') == 25
    assert "status=received&amp;offset=50" in page.text and "offset=0" in page.text


async def test_a_manual_order_is_quoted_then_confirmed_once_with_its_idempotency_key(
    fake: FakeServices, browser: Browser
) -> None:
    promised = datetime.now(UTC).date() + timedelta(days=12)
    fake.on("POST", "/api/quotes", json=quote_answer(promised))
    placed = str(uuid.uuid4())
    fake.on(
        "POST",
        "/api/manual-orders",
        status=201,
        json={"order_id": placed, "channel": "manual", "external_id": "M-7", "created": True},
    )
    fake.on("GET", f"/api/orders/{placed}", json=order(id=placed))
    operator = browser(person(Level.WRITE))
    typed = {
        "source": "phone",
        "customer_name": "Forno Bianchi",
        "customer_email": "f@b.example",
        "rows": "3",
        "line-1-item_code": "fig-jam-340g",
        "line-1-quantity": "12",
        "line-1-unit": "pc",
        "line-1-unit_price": "4,50",
        "currency": "EUR",
    }

    quoted = await operator.post("/orders/new/quote", data=typed)
    assert quoted.status_code == 200, quoted.text
    assert promised.isoformat() in quoted.text and "material FIGS (10 days)" in quoted.text
    confirm = re.search(
        r'<form method="post" action="/orders/new/confirm".*?</form>', quoted.text, re.S
    )
    assert confirm, quoted.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', confirm.group(0)))
    first = await operator.post("/orders/new/confirm", data=fields)
    again = await operator.post("/orders/new/confirm", data=fields)

    assert fake.body_of("POST", "/api/quotes") == {
        "lines": [{"item_code": "FIG-JAM-340G", "quantity": "12", "unit": "pc"}]
    }
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == f"/orders/{placed}?done=created"
    sent = fake.requests_to("POST", "/api/manual-orders")
    assert len({r.headers["idempotency-key"] for r in sent}) == 1
    assert sent[0].content == sent[1].content  # one key, one body: the service makes one order


async def test_a_half_typed_line_is_shown_back_not_quoted(
    fake: FakeServices, browser: Browser
) -> None:
    page = await browser(person(Level.WRITE)).post(
        "/orders/new/quote",
        data={"source": "email", "customer_name": "Bar Sport", "line-1-item_code": "FIG-JAM-340G"},
    )

    assert page.status_code == 422
    assert "Line 1: give an item and a quantity above zero." in page.text
    assert 'value="FIG-JAM-340G"' in page.text
    assert fake.requests_to("POST", "/api/quotes") == []


async def test_an_unknown_item_refused_by_the_quote_is_shown_on_the_form(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("POST", "/api/quotes", status=422, json={"detail": "unknown item FIG-JAM-1KG"})

    page = await browser(person(Level.WRITE)).post(
        "/orders/new/quote",
        data={
            "source": "phone",
            "customer_name": "Bar Sport",
            "line-1-item_code": "FIG-JAM-1KG",
            "line-1-quantity": "2",
        },
    )

    assert page.status_code == 422
    assert "Refused: unknown item FIG-JAM-1KG" in page.text


async def test_an_italian_shift_lead_reads_the_pages_in_italian(
    fake: FakeServices, browser: Browser
) -> None:
    held = order(status="on_hold", hold_reason="unknown_sku: X")
    fake.on("GET", "/api/orders", json=[held], headers={"X-Total-Count": "1"})
    italian = browser(person(Level.WRITE, locale="it"))

    board, listing = await italian.get("/"), await italian.get("/orders")

    assert "Ordini per stato" in board.text and "Mancanze che bloccano la produzione" in board.text
    assert "Sospeso" in listing.text and "SKU sconosciuto: X" in listing.text
    assert "In attesa di materiali" in listing.text  # the status filter's options


def seed_every_page(fake: FakeServices) -> dict[str, object]:
    """Today (every exception panel, a shortage, a dead write-back), the orders list, one
    order with its promise, lots, production and timeline, and every process's status."""
    po_id = str(uuid.uuid4())
    shown = order(
        status="awaiting_materials",
        external_number="4001",
        promised_on=days_from_today(-1),
        requested_on=days_from_today(-3),
        promise_reason="material FLOUR-00 (purchase order due 2026-12-01, late)",
        reservations=[
            {
                "line_no": 1,
                "item_code": "FIG-JAM-340G",
                "lot_code": "FIG-JAM-P261201-a",
                "quantity": "12.5",
                "unit": "kg",
                "expires_on": "2027-06-01",
            }
        ],
        production_orders=[
            {
                "line_no": 1,
                "production_order_id": po_id,
                "production_number": "MO-00042",
                "item_code": "FIG-JAM-340G",
                "quantity": "1250",
                "unit": "pc",
                "status": "planned",
                "material_shortages": [],
            }
        ],
    )
    held = order(status="on_hold", external_number="4002", hold_reason="unknown_sku: X")
    passed = "promised for {promised}: the date has passed and it has not shipped"
    late = exception(
        "late",
        "4001",
        words("late", passed, promised=str(shown["promised_on"])),
        status="awaiting_materials",
        promised_on=shown["promised_on"],
        promise_reason=shown["promise_reason"],
    )
    late["id"] = shown["id"]
    stuck = exception(
        "stuck",
        "4003",
        words("cannot_plan", NO_RECIPE),
        action=words("add_recipe", "give its item an active recipe and a production line"),
    )
    flour = words(
        "material_expected",
        "{item}: {missing} missing, expected on {date} (purchase order)",
        item="FLOUR-00",
        missing="12.5 kg",
        date="2027-01-04",
    )
    blocked = exception("materials", "4004", flour, status="awaiting_materials")
    fake.on(
        "GET",
        "/api/orders/exceptions",
        answer=exceptions_answer({"late": [late], "stuck": [stuck], "materials": [blocked]}),  # type: ignore[arg-type]
    )
    fake.on("GET", "/api/orders", json=[shown, held], headers={"X-Total-Count": "2"})
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on(
        "GET",
        f"/api/orders/{shown['id']}/timeline",
        json=[
            {
                "at": "2026-12-01T09:00:00+00:00",
                "kind": "status.received",
                "summary": "received",
                "detail": {},
            },
            {
                "at": "2026-12-01T09:00:01+00:00",
                "kind": "promise.slipped",
                "summary": "promise slipped: 2026-12-10 → 2026-12-15",
                "detail": {},
            },
        ],
    )
    shortage = production_order(
        demands=[{"order_id": shown["id"], "line_no": 1, "quantity": "12", "unit": "pc"}],
        shortages=[
            {
                "item_code": "FLOUR-00",
                "needed": {"value": "16.5", "unit": "kg"},
                "available": {"value": "4", "unit": "kg"},
                "missing": {"value": "12.5", "unit": "kg"},
                "supplier": "Mulino Po",
                "lead_time_days": 10,
            }
        ],
    )
    fake.on("GET", "/api/production-orders", json=[shortage])
    dead = {
        "id": str(uuid.uuid4()),
        "shipment_id": str(uuid.uuid4()),
        "order_id": shown["id"],
        "shop": "bottega.myshopify.com",
        "external_id": "5550001",
        "kind": "fulfillment",
        "status": "dead",
        "attempts": 4,
        "last_error": "HTTP 502 from Shopify",
        "external_fulfillment_id": None,
        "payload": {},
        "created_at": datetime.now(UTC).isoformat(),
        "updated_at": datetime.now(UTC).isoformat(),
    }
    fake.on("GET", "/api/write-backs", json=[dead])
    checks = {
        "database": {"ok": True, "detail": "answers"},
        "kafka": {"ok": False, "detail": "no answer within 3s"},
        "migrations": {"ok": True, "detail": "at head 0009_parking"},
    }
    fake.on("GET", "/healthz", json={"status": "alive"})
    fake.on("GET", "/readyz", status=503, json={"status": "not ready", "checks": checks})
    fake.on("GET", "/metrics", status=500, json={})
    return shown


async def test_every_page_rendered_in_italian_over_seeded_data_has_no_english_left(
    fake: FakeServices, browser: Browser
) -> None:
    """Today, Orders, an order and Status in Italian: no sentence of the English catalogue
    (nor a service sentence the dashboard knows) is left on them (issue 25 §5)."""
    shown = seed_every_page(fake)
    italian = browser(person(Level.WRITE, locale="it"))
    english = browser(person(Level.WRITE, locale="en"))
    paths = ("/", "/orders", f"/orders/{shown['id']}", "/status")

    for path in paths:
        page = await italian.get(path)
        assert page.status_code == 200, (path, page.text)
        assert 'lang="it"' in page.text, path
        assert english_left_in(html.unescape(page.text)) == [], path
        # the same page in English does show catalogue sentences: the check can see them
        assert english_left_in(html.unescape((await english.get(path)).text)) != [], path

    today_page = html.unescape((await italian.get("/")).text)
    assert "4001" in today_page and "4003" in today_page and "FLOUR-00" in today_page
    order_page = html.unescape((await italian.get(f"/orders/{shown['id']}")).text)
    assert "materiale FLOUR-00 (ordine d'acquisto atteso il 01/12/2026, in ritardo)" in order_page
    assert "12,5 kg" in order_page and "01/06/2027" in order_page and "MO-00042" in order_page
    status_page = html.unescape((await italian.get("/status")).text)
    assert "nessuna risposta entro 3 s" in status_page and "nessun /metrics (500)" in status_page


def test_every_floor_route_has_exactly_one_rule() -> None:
    for module in MODULES:
        routes = {
            (method, route.path)
            for route in module.router.routes
            for method in getattr(route, "methods", ())
        }
        ruled = {(rule.method, rule.template) for rule in module.RULES}
        assert routes == ruled, module.__name__


class OpenPage:
    """The one thing the event stream asks of its request: is the page still there."""

    async def is_disconnected(self) -> bool:
        return False


async def first_events(feed: LiveFeed, last_id: str | None, count: int) -> list[ServerSentEvent]:
    stream = live._stream(cast(Request, OpenPage()), feed, last_id)
    events = [await anext(stream) for _ in range(count + 1)]  # the first says "connected"
    await stream.aclose()  # type: ignore[attr-defined]
    return events[1:]


async def test_a_reconnecting_page_gets_what_it_missed_then_a_stale_one_resyncs() -> None:
    feed = LiveFeed(Settings(), capacity=3)
    order_id = uuid.uuid4()
    for status in (OrderStatus.RECEIVED, OrderStatus.MATERIALS_RESERVED, OrderStatus.IN_PRODUCTION):
        event = OrderStatusChanged(order_id=order_id, previous=None, status=status)
        await feed.publish("order", Envelope.wrap(event))
    seen_first = f"{feed.buffer.run}.1"

    missed = await first_events(feed, seen_first, 2)
    stale = await first_events(feed, "another-process.7", 1)

    assert [(e.event, e.id) for e in missed] == [
        ("order", f"{feed.buffer.run}.2"),
        ("order", f"{feed.buffer.run}.3"),
    ]
    assert str(order_id) in str(missed[0].data)
    assert stale[0].event == "resync"


async def test_the_header_search_finds_orders_lots_and_items_by_what_people_type(
    fake: FakeServices, browser: Browser
) -> None:
    bruno = order(external_number="TEL-0612-BRUNO", customer={"name": "Trattoria Bruno"})
    fake.on("GET", "/api/orders", json=[bruno])
    fake.on(
        "GET",
        "/api/lots",
        json=[
            {
                "id": 1,
                "lot_code": "BB-2611-A",
                "item_code": "BUTTER-BISCUITS-250G",
                "unit": "pc",
                "on_hand": "4",
                "reserved": "0",
                "available": "4",
                "status": "available",
                "expires_on": None,
            }
        ],
    )
    fake.on("GET", "/api/items", json=[{"code": "BUTTER-BISCUITS-250G", "name": "Butter biscuits"}])
    batch = production_order(status="planned")
    fake.on("GET", "/api/production-orders", json=[batch])

    page = await browser(person(Level.READ)).get("/search", params={"q": "bruno"})

    assert page.status_code == 200, page.text
    assert f'href="/orders/{bruno["id"]}"' in page.text and "TEL-0612-BRUNO" in page.text
    assert 'href="/trace?lot=BB-2611-A"' in page.text
    assert "Butter biscuits" in page.text
    found = page.text[page.text.index('id="found-production"') :]
    assert f'<a href="/production/{batch["id"]}" class="production-number">MO-00007</a>' in found
    for path in ("/api/orders", "/api/lots", "/api/items", "/api/production-orders"):
        [asked] = fake.requests_to("GET", path)
        assert asked.url.params["q"] == "bruno"


async def test_traceability_takes_an_order_by_its_number(
    fake: FakeServices, browser: Browser
) -> None:
    bruno = order(external_number="TEL-0612-BRUNO")
    fake.on("GET", "/api/orders", json=[bruno])
    fake.on("GET", "/api/trace/recalls", json=[])
    fake.on(
        "GET",
        f"/api/trace/orders/{bruno['id']}/backward",
        json={"direction": "backward", "start": f"order:{bruno['id']}", "lots": []},
    )

    await browser(person(Level.READ)).get("/trace", params={"order": "TEL-0612-BRUNO"})

    [looked_up] = fake.requests_to("GET", "/api/orders")
    assert looked_up.url.params["q"] == "TEL-0612-BRUNO"
    assert fake.requests_to("GET", f"/api/trace/orders/{bruno['id']}/backward")


REPORT = {
    "as_of": "2026-12-14",
    "on_time": {
        "first_day": "2026-11-15",
        "last_day": "2026-12-14",
        "shipped": 9,
        "on_time": 6,
        "late": 2,
        "without_promise": 1,
        "rate": "75.0",
    },
    "backlog": {
        "orders": 17,
        "units": [{"unit": "kg", "quantity": "2.5"}, {"unit": "pc", "quantity": "140"}],
    },
    "per_channel": {
        "days": [(date(2026, 12, 1) + timedelta(days=n)).isoformat() for n in range(14)],
        "channels": [
            {"channel": "shopify", "counts": [2] * 13 + [4], "total": 30},
            {"channel": "<etsy>", "counts": [0] * 13 + [1], "total": 1},
        ],
    },
    "ready_time": {
        "first_day": "2026-11-15",
        "last_day": "2026-12-14",
        "orders": 8,
        "median_hours": "26.5",
    },
}


async def test_the_reports_page_draws_the_numbers_as_svg_in_the_readers_language(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/orders/report", json=REPORT)

    page = await browser(person(Level.READ, locale="it")).get("/reports")

    assert page.status_code == 200, page.text
    html = page.text
    assert '<a href="/reports" aria-current="page">Report</a>' in html
    assert 'id="on-time-rate">75 %' in html
    assert "6 su 8 spediti entro la data promessa; 2 in ritardo, 1 senza data promessa." in html
    # Italian numbers: a decimal comma
    assert 'id="backlog-orders">17' in html and "2,5 kg" in html and "140 pc" in html
    assert 'id="ready-median">26,5 h' in html
    chart = html[html.index('id="per-channel"') :]
    assert chart.count("<rect ") >= 15  # 14 days of shopify, one of etsy, the swatches
    assert "<title>shopify · 14/12: 4</title>" in chart
    assert "&lt;etsy&gt;" in chart and "<etsy>" not in chart
    assert "<script" not in html[html.index('<main id="main">') :]


async def test_the_reports_page_says_so_when_orders_cannot_answer(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/orders/report", status=503, json={"detail": "orders is starting"})

    page = await browser(person(Level.READ)).get("/reports")

    assert page.status_code == 502
    assert "The report could not be loaded:" in page.text and "orders is starting" in page.text


async def test_an_empty_lot_says_nothing_of_its_expiry(
    fake: FakeServices, browser: Browser
) -> None:
    """Issue 25 §6: a 0 kg lot has nothing left to expire; a full one still warns."""
    soon = (datetime.now(UTC).date() + timedelta(days=9)).isoformat()

    def lot(code: str, on_hand: str) -> dict[str, object]:
        return {
            "lot_code": code,
            "item_code": "FLOUR-00",
            "on_hand": on_hand,
            "reserved": "0",
            "available": on_hand,
            "unit": "kg",
            "expires_on": soon,
            "blocked_reason": None,
        }

    fake.on(
        "GET",
        "/api/items/FLOUR-00",
        json={
            "code": "FLOUR-00",
            "name": "Flour 00",
            "kind": "raw_material",
            "base_unit": "kg",
            "shelf_life_days": 180,
            "supplier": None,
            "lead_time_days": None,
        },
    )
    fake.on("GET", "/api/lots", json=[lot("FLOUR-EMPTY", "0.000"), lot("FLOUR-FULL", "25")])

    page = await browser(person(Level.READ)).get("/stock/FLOUR-00")

    rows = {
        code: page.text[page.text.index(f">{code}<") :].split("</tr>")[0]
        for code in ("FLOUR-EMPTY", "FLOUR-FULL")
    }
    assert page.status_code == 200
    assert "expires within 30 days" not in rows["FLOUR-EMPTY"]
    assert "expires within 30 days" in rows["FLOUR-FULL"]
