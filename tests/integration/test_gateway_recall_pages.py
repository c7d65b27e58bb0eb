"""Recalls on the dashboard (issue 25 §5, §6), over canned service answers: the preview
downloads as CSV before anything is issued, holding exactly what the page shows."""

from __future__ import annotations

import csv
import io
import uuid

from services.gateway.access.principal import Level
from tests.fakes.services_api import FakeServices
from tests.integration.test_gateway_floor_pages import (  # the same app and fixtures
    Browser,
    browser,
    fake,
    person,
)

__all__ = ["browser", "fake"]

ORDER_ID = str(uuid.uuid4())
SHIPMENT_ID = str(uuid.uuid4())
REACHED = {
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
    assert "give a lot code" in answer.text
