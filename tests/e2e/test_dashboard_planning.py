"""The planning screens over the real system, signed in as an operator or a viewer.

One bakery journey, in order: goods received from the Stock page, a make-to-stock
suggestion accepted there, its production order started and completed from the Production
page with the FEFO-proposed lot, a biscuit shipped, then the recall preview of the flour lot
names the order and the report downloads. Around it: a viewer sees no write control, a
refused write shows the service's words, and paging, Channels and Status render.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_make_to_order import has_status, order_status, post_until_accepted
from tests.e2e.test_skeleton_flow import new_shop
from tests.e2e.test_traceability import ALICE, place, ship

pytestmark = pytest.mark.e2e


@dataclass
class Bakery:
    flour: str
    biscuits: str
    shop: Any
    soon_lot: str = ""
    later_lot: str = ""
    production_order_id: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def admin(system: System) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=system.gateway, timeout=30.0, headers=system.admin_headers
    ) as client:
        yield client


@pytest.fixture(scope="module")
async def operator(system: System) -> AsyncIterator[httpx.AsyncClient]:
    client = await system.signed_in("operator")  # already open: closed here
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
async def viewer(system: System) -> AsyncIterator[httpx.AsyncClient]:
    client = await system.signed_in("viewer", locale="it")  # already open: closed here
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
async def bakery(admin: httpx.AsyncClient) -> Bakery:
    tag = uuid.uuid4().hex[:5].upper()
    flour, biscuits = f"FLOUR-{tag}", f"BISC-{tag}"
    for code, kind, unit, extra in (
        (flour, "raw_material", "kg", {"supplier": "Mulino Rossi", "lead_time_days": 10}),
        (biscuits, "finished_good", "pc", {"shelf_life_days": 180}),
    ):
        body = {"code": code, "name": code.title(), "kind": kind, "base_unit": unit, **extra}
        await json_of(await admin.post("/api/items", json=body))
    await post_until_accepted(
        admin,
        "/api/recipes",
        {
            "item_code": biscuits,
            "batch_size": "10",
            "unit": "pc",
            "duration_minutes": 60,
            "lines": [{"item_code": flour, "quantity": "1", "unit": "kg"}],
        },
    )
    shop = await new_shop(admin)
    await json_of(
        await admin.put(
            f"/api/shops/{shop.domain}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    return Bakery(flour, biscuits, shop)


def receipt(item: str, supplier_lot: str, expires_on: str) -> dict[str, str]:
    return {
        "item_code": item,
        "quantity": "5",
        "unit": "kg",
        "supplier": "Mulino Rossi",
        "supplier_lot_code": supplier_lot,
        "expires_on": expires_on,
        "cost_amount": "9.50",
        "cost_currency": "EUR",
    }


async def lot_codes(client: httpx.AsyncClient, item: str) -> list[str]:
    lots = await json_of(await client.get("/api/lots", params={"item_code": item}))
    return [lot["lot_code"] for lot in lots]


async def test_receive_goods_from_the_stock_page_creates_lots_marked_by_expiry(
    operator, admin, bakery
):
    soon = (datetime.now(UTC).date() + timedelta(days=9)).isoformat()
    later = (datetime.now(UTC).date() + timedelta(days=200)).isoformat()

    first = await operator.post("/stock/receipts", data=receipt(bakery.flour, "MR-1", later))
    second = await operator.post("/stock/receipts", data=receipt(bakery.flour, "MR-2", soon))

    assert first.status_code == second.status_code == 303
    assert first.headers["location"].startswith(f"/stock/{bakery.flour}")
    bakery.later_lot, bakery.soon_lot = await lot_codes(admin, bakery.flour)
    landed = await operator.get(second.headers["location"])  # says which lot it made
    assert f"Goods received: the new lot is {bakery.soon_lot}, in stock now." in landed.text
    page = await operator.get(f"/stock/{bakery.flour}")
    assert bakery.soon_lot in page.text and bakery.later_lot in page.text
    assert page.text.count("expires within 30 days") == 1


async def test_accepting_a_suggestion_from_the_stock_page_plans_production(operator, admin, bakery):
    await json_of(
        await admin.put(
            f"/api/reorder-points/{bakery.biscuits}",
            json={"reorder_point": "5", "target": "10", "unit": "pc"},
        )
    )

    async def open_suggestion() -> Any:
        found = await json_of(await admin.get("/api/suggestions", params={"status": "open"}))
        return next((s for s in found if s["item_code"] == bakery.biscuits), None)

    suggestion = await eventually(open_suggestion, lambda s: s is not None)
    page = await operator.get("/stock")
    assert f"/stock/suggestions/{suggestion['id']}/accept" in page.text

    answer = await operator.post(f"/stock/suggestions/{suggestion['id']}/accept")

    assert answer.status_code == 303
    accepted = await json_of(await admin.get("/api/suggestions", params={"status": "accepted"}))
    [mine] = [s for s in accepted if s["id"] == suggestion["id"]]
    bakery.production_order_id = mine["reference"]
    assert "Suggestion accepted." in (await operator.get(answer.headers["location"])).text


async def production(client: httpx.AsyncClient, po_id: str) -> Any:
    """The production order, or ``{}`` while production has not yet applied the accepted
    suggestion that creates it (the acceptance reaches it over Kafka): ``None`` then."""
    answer = await client.get(f"/api/production-orders/{po_id}")
    if answer.status_code == 404:
        return None
    return await json_of(answer)


async def test_start_and_complete_from_the_production_page_with_the_fefo_lot(
    operator, admin, bakery
):
    po_id = bakery.production_order_id
    await eventually(functools.partial(production, admin, po_id), has_status("materials_reserved"))
    listing = await operator.get("/production", params={"status": "materials_reserved"})
    assert po_id in listing.text

    started = await operator.post(f"/production/{po_id}/start")
    assert started.status_code == 303
    form = (await operator.get(f"/production/{po_id}")).text
    proposed = re.search(r'name="lot_code_0">.*?<option value="([^"]+)" selected', form, re.S)
    assert proposed and proposed.group(1) == bakery.soon_lot  # first expiry first out
    refused = await operator.post(
        f"/production/{po_id}/complete",
        data={"lot_code_0": bakery.soon_lot, "quantity_0": "999", "output_quantity": "10"},
    )
    assert refused.status_code == 422  # the service's refusal, shown on the page
    assert 'class="notice error"' in refused.text and "has only" in refused.text
    completed = await operator.post(
        f"/production/{po_id}/complete",
        data={
            "lot_code_0": bakery.soon_lot,
            "quantity_0": "1",
            "unit_0": "kg",
            "output_quantity": "10",
        },
    )

    assert completed.status_code == 303
    done = await eventually(
        functools.partial(production, admin, po_id),
        lambda po: po is not None and po["output_lot_code"],
    )
    assert [c["lot_code"] for c in done["consumed"]] == [bakery.soon_lot]


async def test_the_recall_preview_names_the_shipped_order_and_the_report_downloads(
    operator, admin, bakery
):
    # The batch completed above is stock once inventory has applied its completion.
    async def biscuits_in_stock() -> Any:
        return await json_of(await admin.get("/api/lots", params={"item_code": bakery.biscuits}))

    await eventually(
        biscuits_in_stock, lambda lots: sum(Decimal(lot["available"]) for lot in lots) >= 3
    )
    external = await place(admin, bakery.shop, bakery.biscuits, 3, ALICE)
    order = await eventually(
        functools.partial(order_status, admin, external), has_status("ready_to_ship")
    )
    await ship(admin, order)

    async def preview_page() -> httpx.Response:
        page: httpx.Response = await operator.get("/trace/recall", params={"lot": bakery.soon_lot})
        return page

    # the trace read model follows the shipment a moment later
    preview = await eventually(preview_page, lambda page: order["id"][:8] in page.text)
    assert preview.status_code == 200
    assert order["id"][:8] in preview.text and "alice@example.org" in preview.text
    recall = {"lot": bakery.soon_lot, "reason": "mould in the flour"}
    asked = await operator.post("/trace/recalls", data=recall)  # a second question first
    assert asked.status_code == 200 and 'id="confirm-recall"' in asked.text
    issued = await operator.post("/trace/recalls", data={**recall, "confirmed": "yes"})

    assert issued.status_code == 303
    recall_id = issued.headers["location"].split("/")[3].split("?")[0]
    csv = await operator.get(f"/trace/recalls/{recall_id}/export.csv")
    pdf = await operator.get(f"/trace/recalls/{recall_id}/report.pdf")
    assert csv.headers["content-type"].startswith("text/csv")
    assert f"recall-{recall_id}.csv" in csv.headers["content-disposition"]
    assert order["id"] in csv.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    tree = await operator.get("/trace", params={"lot": bakery.soon_lot})
    assert bakery.biscuits in tree.text and "mould in the flour" in tree.text


async def test_a_viewer_sees_the_screens_in_italian_without_write_controls(viewer, bakery):
    pages = [
        f"/production/{bakery.production_order_id}",
        "/stock",
        f"/stock/{bakery.flour}",
        f"/trace?lot={bakery.soon_lot}",
        "/channels",
        f"/channels/shops/{bakery.shop.domain}",
    ]
    for path in pages:
        answer = await viewer.get(path)

        assert answer.status_code == 200, path
        assert '<form method="post" action="/' not in answer.text.replace(
            'action="/preferences/language"', ""
        ).replace('action="/logout"', ""), path
    assert "Produzione" in (await viewer.get("/production")).text
    refused = await viewer.post("/stock/receipts", data=receipt(bakery.flour, "MR-3", "2030-01-01"))
    assert refused.status_code == 403


async def test_sku_mappings_are_edited_from_the_channels_page(operator, admin, bakery):
    domain = bakery.shop.domain

    added = await operator.post(
        f"/channels/shops/{domain}/sku-mappings",
        data={"sku": "BISCOTTI-250", "item_code": bakery.biscuits},
    )
    deleted = await operator.post(f"/channels/shops/{domain}/sku-mappings/BISCOTTI-250/delete")
    again = await operator.post(f"/channels/shops/{domain}/sku-mappings/BISCOTTI-250/delete")

    assert added.status_code == deleted.status_code == 303
    assert again.status_code == 404 and 'class="notice error"' in again.text
    mappings = await json_of(await admin.get(f"/api/shops/{domain}/sku-mappings"))
    assert [m["sku"] for m in mappings] == [bakery.biscuits]
    assert domain in (await operator.get("/channels")).text


async def test_lists_page_with_limit_and_offset_and_status_shows_every_process(operator, system):
    inventory = system.settings.service_url("inventory")
    async with httpx.AsyncClient(base_url=inventory) as direct:
        everything = await json_of(await direct.get("/api/stock"))
        second = await json_of(await direct.get("/api/stock", params={"limit": 1, "offset": 1}))
        too_many = await direct.get("/api/stock", params={"limit": 5000})
    assert len(everything) >= 2 and second == everything[1:2]
    assert too_many.status_code == 422

    status = await operator.get("/status")

    assert status.status_code == 200
    for name in ("orders", "inventory", "production", "connectors", "trace", "gateway"):
        assert f'<th scope="row">{name}</th>' in status.text
