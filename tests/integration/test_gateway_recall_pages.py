"""Recalls on the dashboard (issue 25 §5, §6), over canned service answers: the preview
downloads as CSV before anything is issued, holding exactly what the page shows; an order,
its shipment and its customer touched by a recalled lot say so, with a link to the recall."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from services.gateway.access.principal import Level
from tests.fakes.services_api import FakeServices, order
from tests.integration.test_gateway_floor_pages import (  # the same app and fixtures
    Browser,
    browser,
    fake,
    person,
)
from tests.unit.gateway.test_translations import english_left_in

__all__ = ["browser", "fake"]

ORDER_ID = str(uuid.uuid4())
SHIPMENT_ID = str(uuid.uuid4())
REACHED: dict[str, Any] = {
    "direction": "forward",
    "start": "lot:FLOUR-00-R1",
    "lots": [
        {
            "lot_code": "DOUGH-P1",
            "item_code": "BISCUIT-DOUGH",
            "depth": 1,
            "quantity": {"value": "10", "unit": "kg"},
            "dated_on": "2026-11-25",
            "on_hand": None,
            "made_by": [],
            "supplier_lots": [],
        }
    ],
    "production_orders": [],
    "shipments": [
        {
            "shipment_id": SHIPMENT_ID,
            "shipped_on": "2026-11-27",
            "order_id": ORDER_ID,
            "order_number": "TEL-0612-BRUNO",
            "customer": "c-bruno",
            "lots": [
                {
                    "lot_code": "BISC-P2",
                    "item_code": "BISC",
                    "quantity": {"value": "6", "unit": "pc"},
                }
            ],
        }
    ],
    "customers": [
        {
            "customer": "c-bruno",
            "name": "Bar Bruno",
            "email": "bar@bruno.example",
            "order_ids": [ORDER_ID],
            "shipped": [],
        }
    ],
    "supplier_lots": [],
    "suppliers": [],
    "in_stock": [
        {"lot_code": "BISC-P2", "item_code": "BISC", "quantity": {"value": "34", "unit": "pc"}}
    ],
}


async def test_the_recall_preview_downloads_as_csv_before_anything_is_issued(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/trace/lots/FLOUR-00-R1/forward", json=REACHED)
    viewer = browser(person(Level.READ))

    page = await viewer.get("/trace/recall", params={"lot": "FLOUR-00-R1"})
    download = await viewer.get("/trace/recall/export.csv", params={"lot": "FLOUR-00-R1"})
    rows = list(csv.DictReader(io.StringIO(download.text)))

    assert 'href="/trace/recall/export.csv?lot=FLOUR-00-R1' in page.text
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="recall-preview-FLOUR-00-R1.csv"' in download.headers["content-disposition"]
    assert [(r["what"], r["lot_code"]) for r in rows] == [
        ("lot", "FLOUR-00-R1"),
        ("lot", "DOUGH-P1"),
        ("shipment", "BISC-P2"),
        ("customer", ""),
        ("in_stock", "BISC-P2"),
    ]
    shipped = rows[2]
    assert (shipped["order_number"], shipped["shipment_id"], shipped["shipped_on"]) == (
        "TEL-0612-BRUNO",
        SHIPMENT_ID,
        "2026-11-27",
    )
    assert (shipped["customer_name"], shipped["quantity"], shipped["unit"]) == (
        "Bar Bruno",
        "6",
        "pc",
    )
    assert rows[3]["order_id"] == ORDER_ID and rows[3]["customer_email"] == "bar@bruno.example"
    assert rows[4]["quantity"] == "34"
    # every shipment, customer and lot in stock the page lists is in the file
    for shown in ("TEL-0612-BRUNO", "Bar Bruno", "bar@bruno.example", "BISC-P2"):
        assert shown in page.text and shown in download.text
    assert fake.requests_to("POST", "/api/trace/recalls") == []


async def test_a_preview_of_nothing_downloads_nothing(fake: FakeServices, browser: Browser) -> None:
    answer = await browser(person(Level.READ)).get("/trace/recall/export.csv")

    assert not answer.headers["content-type"].startswith("text/csv")
    assert "Give a lot code" in answer.text


def recall_of(trace: dict[str, Any], **more: object) -> dict[str, Any]:
    """A recall as ``GET /api/trace/recalls`` answers it."""
    return {
        "recall_id": str(uuid.uuid4()),
        "origin_kind": "lot",
        "origin": "lot FLOUR-00-R1",
        "reason": "mould in the flour",
        "created_at": "2026-11-28T09:00:00+00:00",
        "lot_codes": ["BISC-P2", "DOUGH-P1", "FLOUR-00-R1"],
        "customers": ["c-bruno"],
        "trace": trace,
        "withdrawn_at": None,
        **more,
    }


def recalls_reaching(*recalls: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """``GET /api/trace/recalls?order_id=|customer=``: those whose list reaches it."""

    def answer(request: httpx.Request) -> httpx.Response:
        order_id, customer = (request.url.params.get(k) for k in ("order_id", "customer"))
        found = [
            r
            for r in recalls
            for trace in [r["trace"]]
            if isinstance(trace, dict)
            and any(
                (order_id and s["order_id"] == order_id) or (customer and s["customer"] == customer)
                for s in trace["shipments"]
            )
        ]
        return httpx.Response(200, json=found)

    return answer


async def test_a_shipped_order_whose_lot_was_recalled_warns_with_a_link_to_the_recall(
    fake: FakeServices, browser: Browser
) -> None:
    shipped = order(
        id=ORDER_ID,
        status="shipped",
        external_number="TEL-0612-BRUNO",
        customer={"name": "Bar Bruno", "email": "Bar@Bruno.example"},
    )
    trace = {
        **REACHED,
        "shipments": [{**REACHED["shipments"][0], "customer": "bar@bruno.example"}],
    }
    issued = recall_of(trace)
    withdrawn = recall_of(trace, withdrawn_at="2026-11-29T09:00:00+00:00")
    fake.on("GET", f"/api/orders/{ORDER_ID}", json=shipped)
    fake.on(
        "GET",
        f"/api/orders/{ORDER_ID}/shipments",
        json=[
            {
                "id": SHIPMENT_ID,
                "created_at": "2026-11-27T10:00:00+00:00",
                "carrier": "manual",
                "service": None,
                "tracking_number": "TN1",
                "tracking_url": None,
                "delivered_at": None,
                "lots": [{"lot_code": "BISC-P2", "quantity": "6", "unit": "pc"}],
            }
        ],
    )
    fake.on("GET", "/api/trace/recalls", answer=recalls_reaching(issued, withdrawn))
    other = order(customer={"name": "Bar Bruno", "email": "bar@bruno.example"})  # not shipped
    fake.on("GET", f"/api/orders/{other['id']}", json=other)
    untouched = order(customer={"name": "Forno Bianchi", "email": "f@b.example"})
    fake.on("GET", f"/api/orders/{untouched['id']}", json=untouched)
    viewer = browser(person(Level.READ))

    page = await viewer.get(f"/orders/{ORDER_ID}")
    customers_other = await viewer.get(f"/orders/{other['id']}")
    clean = await viewer.get(f"/orders/{untouched['id']}")

    link = f'<a href="/trace/recalls/{issued["recall_id"]}">See the recall</a>'
    assert page.text.count('class="notice error recall-warning"') == 1  # the withdrawn: none
    assert "This order received goods from a recalled lot (BISC-P2)." in page.text
    assert "mould in the flour" in page.text and link in page.text
    row = page.text[page.text.index(f'data-shipment-id="{SHIPMENT_ID}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/trace/recalls/{issued["recall_id"]}">recalled lot</a>' in row
    assert "This customer received goods from a recalled lot (BISC-P2) with another order." in (
        customers_other.text
    )
    assert link in customers_other.text
    assert "recall-warning" not in clean.text and "recalls-unknown" not in clean.text
    asked = [r.url.params for r in fake.requests_to("GET", "/api/trace/recalls")]
    assert dict(asked[0]) == {"order_id": ORDER_ID, "limit": "50"}
    assert dict(asked[1]) == {"customer": "bar@bruno.example", "limit": "50"}


async def test_an_order_page_says_when_recalls_cannot_be_checked(
    fake: FakeServices, browser: Browser
) -> None:
    shown = order()
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on("GET", "/api/trace/recalls", status=503, json={"detail": "trace is down"})

    page = await browser(person(Level.READ)).get(f"/orders/{shown['id']}")

    assert page.status_code == 200 and 'id="recalls-unknown"' in page.text


async def test_a_recall_reads_in_italian_with_its_report_asked_in_italian(
    fake: FakeServices, browser: Browser
) -> None:
    trace = {
        **REACHED,
        "lots": [{**REACHED["lots"][0], "on_hand": {"value": "2.5", "unit": "kg"}}],
        "production_orders": [
            {
                "production_order_id": str(uuid.uuid4()),
                "item_code": "BISCUIT-DOUGH",
                "produced_on": "2026-11-25",
                "output": {"value": "10", "unit": "kg"},
                "consumed": [
                    {
                        "lot_code": "FLOUR-00-R1",
                        "item_code": "FLOUR",
                        "quantity": {"value": "1.2", "unit": "kg"},
                    }
                ],
                "made": [
                    {
                        "lot_code": "DOUGH-P1",
                        "item_code": "BISCUIT-DOUGH",
                        "quantity": {"value": "10", "unit": "kg"},
                    }
                ],
            }
        ],
    }
    issued = recall_of(trace)
    recall_id = issued["recall_id"]
    fake.on("GET", f"/api/trace/recalls/{recall_id}", json=issued)
    fake.on("GET", "/api/trace/recalls", json=[issued])
    fake.on("GET", "/api/trace/lots/FLOUR-00-R1/forward", json=trace)
    fake.on(
        "GET",
        f"/api/trace/recalls/{recall_id}/report.pdf",
        answer=lambda r: httpx.Response(
            200,
            content=b"%PDF-" + r.url.params["lang"].encode(),
            headers={"content-type": "application/pdf"},
        ),
    )
    italian = browser(person(Level.WRITE, locale="it"))

    detail = await italian.get(f"/trace/recalls/{recall_id}")
    listing = await italian.get("/trace", params={"lot": "FLOUR-00-R1"})
    preview = await italian.get("/trace/recall", params={"lot": "FLOUR-00-R1"})
    unreasoned = await italian.post("/trace/recalls", data={"lot": "FLOUR-00-R1"})
    report = await italian.get(f"/trace/recalls/{recall_id}/report.pdf")

    for page in (detail, listing, preview, unreasoned):
        assert english_left_in(page.text) == [], page.url
    assert "Richiamo: lotto FLOUR-00-R1" in detail.text
    assert "in giacenza 2,5 kg" in detail.text and "1,2 kg" in detail.text
    assert "27/11/2026" in detail.text and "2026-11-27" not in detail.text
    assert "25/11/2026" in detail.text and "2026-11-25" not in detail.text
    assert "<td>lotto FLOUR-00-R1</td>" in listing.text
    assert "Un richiamo richiede un motivo." in unreasoned.text
    assert report.content == b"%PDF-it"
