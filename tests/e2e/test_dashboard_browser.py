"""The dashboard in a real browser (Debian's Chromium, headless, driven by playwright) against
the whole system: an operator signs in, takes a phone order with its quote, watches it land
on the Today board and move on its order page without reloading, completes its production
choosing the input lot, and ships it; an Italian viewer sees no write control, and forged
posts are refused. Screenshots go to ``.run/screenshots/`` for a reviewer."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import ROOT
from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_make_to_order import post_until_accepted

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
]

SCREENSHOTS = ROOT / ".run" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 45_000
expect.set_options(timeout=WAIT_MS)  # the system is eventually consistent: wait for it


class Kitchen:
    """A jam made to order: figs in two lots (the earlier one proposed first), jars."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:5].upper()
        self.figs, self.jar, self.jam = f"FIGS-{tag}", f"JAR-{tag}", f"FIG-JAM-{tag}"
        self.early_lot = self.late_lot = ""

    async def stock(self, gateway: httpx.AsyncClient) -> None:
        catalogue: list[tuple[str, str, str, dict[str, Any]]] = [
            (self.figs, "raw_material", "kg", {"supplier": "Frutteto Sud", "lead_time_days": 5}),
            (self.jar, "packaging", "pc", {"supplier": "Vetri Nord", "lead_time_days": 15}),
            (self.jam, "finished_good", "pc", {"shelf_life_days": 365}),
        ]
        for code, kind, unit, extra in catalogue:
            body = {"code": code, "name": code.title(), "kind": kind, "base_unit": unit, **extra}
            await json_of(await gateway.post("/api/items", json=body))
        lots: list[dict[str, Any]] = []
        for item, quantity, unit, expires in [
            (self.figs, "5", "kg", "2027-01-31"),
            (self.figs, "5", "kg", "2027-05-31"),
            (self.jar, "100", "pc", "2030-01-01"),
        ]:
            receipt = {
                "item_code": item,
                "quantity": quantity,
                "unit": unit,
                "supplier": "Frutteto Sud",
                "supplier_lot_code": f"FS-{uuid.uuid4().hex[:6]}",
                "expires_on": expires,
            }
            lots.append(await json_of(await gateway.post("/api/receipts", json=receipt)))
        self.early_lot, self.late_lot = lots[0]["lot_code"], lots[1]["lot_code"]
        recipe = {
            "item_code": self.jam,
            "batch_size": "10",
            "unit": "pc",
            "expected_yield": "1",
            "whole_batches": True,
            "duration_minutes": 60,
            "lines": [
                {"item_code": self.figs, "quantity": "2", "unit": "kg"},
                {"item_code": self.jar, "quantity": "10", "unit": "pc"},
            ],
        }
        await post_until_accepted(gateway, "/api/recipes", recipe)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def signed_in(browser: Browser, system: System, role: str, locale: str) -> BrowserContext:
    """A browser of a new ``role`` user who signed in through the real /login page."""
    username, password = await system.create_user(role, locale=locale)
    context = await browser.new_context(
        base_url=system.gateway, viewport={"width": 1360, "height": 900}, locale=locale
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    await page.goto("/login")
    await page.locator("#username").fill(username)  # the labels are in the browser's language
    await page.locator("#password").fill(password)
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_url(f"{system.gateway}/")
    await page.close()
    return context


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def mark_as_not_reloaded(page: Page) -> None:
    """A value only this document holds: still there later means no reload happened."""
    await page.evaluate("window.__notReloaded = 'still the same document'")


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.__notReloaded") == "still the same document"


async def live(page: Page) -> None:
    await expect(page.locator("body")).to_have_attribute("data-live", "on")


async def take_phone_order(page: Page, kitchen: Kitchen) -> str:
    """Fill the new-order form, quote it, confirm it; the id of the order it made."""
    await page.goto("/orders/new")
    await page.get_by_label("Source", exact=True).select_option("phone")
    await page.get_by_label("Name", exact=True).fill("Trattoria da Nerina")
    await page.get_by_label("E-mail", exact=True).fill("nerina@trattoria.example")
    await page.get_by_label("Item code, line 1", exact=True).fill(kitchen.jam)
    await page.get_by_label("Quantity, line 1", exact=True).fill("10")
    await page.get_by_label("Unit price, line 1", exact=True).fill("6.40")
    await page.get_by_role("button", name="Quote", exact=True).click()
    await expect(page.locator("#quote-date")).to_be_visible()
    await shot(page, "new-order-quote")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Confirm the order").click()
    while "/orders/new" in page.url:  # connectors learn a new item from inventory's events
        await expect(page.locator("#refused")).to_contain_text("unknown")
        await page.wait_for_timeout(500)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Confirm the order").click()
    # The order may land a moment after it is accepted: its page looks again by itself
    # until it shows; leave the page only then, or its next look interrupts ours.
    await expect(page.locator("#order")).to_be_visible(timeout=30_000)
    return page.url.split("/orders/", 1)[1].split("?", 1)[0]


async def the_production_order_of(gateway: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    async def find() -> list[Any]:
        found = await gateway.get("/api/production-orders", params={"order_id": order_id})
        return list(await json_of(found))

    found = await eventually(
        find, lambda pos: bool(pos) and pos[0]["status"] == "materials_reserved"
    )
    return dict(found[0])


async def test_an_operator_walks_a_phone_order_to_shipment_and_a_viewer_can_only_look(
    system: System, gateway: httpx.AsyncClient, browser: Browser
) -> None:
    kitchen = Kitchen()
    await kitchen.stock(gateway)
    operator = await signed_in(browser, system, "operator", "en")

    board = await operator.new_page()
    await board.goto("/")
    await live(board)
    # Every exception kind has its panel, counted by the orders service over all open orders.
    counts = (await json_of(await gateway.get("/api/orders/exceptions", params={"limit": 1})))[
        "counts"
    ]
    assert set(counts) == {"late", "held", "materials", "stuck", "at_risk"}
    for kind in counts:
        await expect(board.locator(f"#{kind} h2 .count")).to_have_text(re.compile(r"^\d+$"))
    await mark_as_not_reloaded(board)
    work = await operator.new_page()
    order_id = await take_phone_order(work, kitchen)

    card = board.locator(f'#board .card[data-order-id="{order_id}"]')
    await expect(card).to_be_visible()
    await expect(card).to_contain_text("Trattoria da Nerina")
    await assert_not_reloaded(board)

    watcher = await operator.new_page()
    await watcher.goto(f"/orders/{order_id}")
    await expect(watcher.locator("#order")).to_have_attribute("data-status", "materials_reserved")
    await live(watcher)
    await mark_as_not_reloaded(watcher)
    production = await the_production_order_of(gateway, order_id)
    await work.goto(f"/production/{production['id']}")
    number = production["number"]
    assert re.fullmatch(r"MO-\d{5,}", number), number
    await expect(work.locator("#production-number")).to_have_text(number)
    await work.get_by_role("button", name="Start", exact=True).click()
    figs_lot = work.get_by_label(f"Lot of {kitchen.figs} (row 1)", exact=True)
    await expect(figs_lot).to_have_value(kitchen.early_lot)  # first expiry first out, proposed
    await figs_lot.select_option(kitchen.late_lot)  # the crate actually opened
    await shot(work, "production-complete-choosing-lots")
    await work.get_by_role("button", name="Complete", exact=True).click()
    await expect(work.locator(".notice.ok")).to_contain_text("Production completed")

    await expect(watcher.locator("#order")).to_have_attribute("data-status", "ready_to_ship")
    # The board moves the card (the "to ship" table lists the earliest promises of the
    # whole suite's orders, so this one need not be among them).
    ready = board.locator(
        f'#board .column[data-status="ready_to_ship"] [data-order-id="{order_id}"]'
    )
    await expect(ready).to_be_visible()
    await shot(board, "today")
    await work.goto(f"/orders/{order_id}")
    await work.get_by_label("Tracking number", exact=True).fill("BRT-0042-NER")
    await work.get_by_role("button", name="Ship", exact=True).click()
    await expect(work.locator(".notice.ok")).to_contain_text("Shipment recorded")
    await expect(work.locator("#shipped-tracking")).to_contain_text("BRT-0042-NER")
    await expect(watcher.locator("#order")).to_have_attribute("data-status", "shipped")
    await expect(watcher.locator("#shipments .tracking")).to_contain_text("BRT-0042-NER")
    await assert_not_reloaded(watcher)
    await expect(ready).to_have_count(0)
    await expect(board.locator(f'#shipments tr[data-order-id="{order_id}"]')).to_have_count(0)
    await assert_not_reloaded(board)
    await shot(watcher, "order-detail")
    made = await json_of(await gateway.get(f"/api/production-orders/{production['id']}"))
    assert {c["lot_code"] for c in made["consumed"] if c["item_code"] == kitchen.figs} == {
        kitchen.late_lot
    }

    # A customer seen before is offered as one types; the pick fills the customer's fields.
    await work.goto("/orders/new")
    await work.get_by_label("Name", exact=True).fill("nerina")
    seen = work.locator('#customer-picks .pick[data-email="nerina@trattoria.example"]')
    await seen.click()
    await expect(work.get_by_label("E-mail", exact=True)).to_have_value("nerina@trattoria.example")
    await expect(work.get_by_label("Name", exact=True)).to_have_value("Trattoria da Nerina")
    viewer = await signed_in(browser, system, "viewer", "it")
    looking = await viewer.new_page()
    await looking.goto("/")
    await expect(looking.locator("#board-title")).to_have_text("Ordini per stato")
    await looking.goto(f"/orders/{order_id}")
    await expect(looking.locator("#order-status")).to_contain_text("Spedito")
    main = looking.locator("main")
    await expect(main.locator("form")).to_have_count(0)
    await expect(main.locator("button")).to_have_count(0)
    await shot(looking, "order-detail-viewer-it")
    # Its production order by number, linked; the timeline in sentences, each event once.
    await expect(main.locator("a.production-number")).to_have_text(number)
    planned = main.locator('.timeline li[data-kind="production.planned"]')
    await expect(planned).to_have_count(1)
    await expect(planned).to_contain_text(f"Ordine di produzione {number} pianificato")
    await expect(main.locator('.timeline li[data-kind="stock.allocated"]')).to_contain_text(
        "Prodotto e assegnato"
    )
    await expect(main.locator(".timeline")).not_to_contain_text(production["id"])
    # Reports: the numbers drawn on the server, in Italian; the production search by number.
    await looking.goto("/reports")
    await expect(looking.locator("h1")).to_have_text("Report")
    await expect(looking.locator("#backlog-orders")).to_contain_text(re.compile(r"^\d+ ordini"))
    await expect(looking.locator("#on-time-rate")).to_contain_text(re.compile(r"\d+ %"))
    await expect(looking.locator("#per-channel svg.chart rect")).not_to_have_count(0)
    await shot(looking, "reports-it")
    await looking.goto(f"/production?q={number.lower()}")
    await expect(looking.locator("#production-orders a.production-number")).to_have_text([number])
    token = await looking.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))")
    as_viewer = await viewer.request.post(
        f"/orders/{order_id}/cancel",
        form={"reason": "forged", "csrf_token": token["X-CSRF-Token"]},
    )
    no_token = await operator.request.post(f"/orders/{order_id}/cancel", form={"reason": "x"})
    wrong_token = await operator.request.post(
        f"/orders/{order_id}/cancel", form={"reason": "x", "csrf_token": "not-the-token"}
    )

    assert as_viewer.status == 403, await as_viewer.text()
    assert no_token.status == 403 and "CSRF" in await no_token.text()
    assert wrong_token.status == 403 and "CSRF" in await wrong_token.text()
    order = await json_of(await gateway.get(f"/api/orders/{order_id}"))
    assert order["status"] == "shipped"
    await operator.close()
    await viewer.close()
