"""The dashboard fits the screen it is read on (issue 25 §4) and its order form prevents
mistakes (§3), in Debian's Chromium against the whole system: an operator picks the item
by typing part of its name, Enter quotes, the quote warns that it misses the customer's
date, and confirming opens the order's page. Then every page — with that order, its
production order, lots, a recall preview and a dead write-back whose error is very long —
is measured at 1,440 px and at a 390 px phone: none may scroll sideways."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import create_async_engine

from services.connectors import tables as connectors
from tests.e2e.conftest import System
from tests.e2e.test_dashboard_browser import (
    Kitchen,
    browser,
    shot,
    signed_in,
    the_production_order_of,
)

__all__ = ["browser"]
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
]

WIDTHS = (1440, 390)
# A shop's answer as connectors keep it: words, then long unbroken tokens (ids, JSON).
LONG_ERROR = (
    "Shopify answered 422 Unprocessable Entity for fulfillmentCreate: "
    + '{"errors":[{"field":["fulfillment","trackingInfo","url"],"message":"'
    + "https://tracking.example/"
    + "a1b2c3d4" * 40
    + '"}]} '
    + "the order could not be marked as fulfilled because the carrier's answer was refused " * 12
    + "gid://shopify/FulfillmentOrder/"
    + "9" * 120
)


@pytest.fixture
async def dead_write_back(system: System) -> AsyncIterator[str]:
    """A write-back given up on, with a very long error: what squeezed Today and Channels."""
    engine = create_async_engine(system.settings.pg.url("connectors"))
    external_id = "9" * 19  # a shop's 19-digit order id
    row_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            connectors.write_back.insert().values(
                id=row_id,
                shipment_id=uuid.uuid4(),
                order_id=uuid.uuid4(),
                shop="bottega-layout.myshopify.com",
                external_id=external_id,
                kind="fulfillment",
                payload={},
                status="dead",
                attempts=6,
                last_error=LONG_ERROR,
            )
        )
    try:
        yield external_id
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                sa.delete(connectors.write_back).where(connectors.write_back.c.id == row_id)
            )
        await engine.dispose()


async def order_by_picking_the_item_by_name(page: Page, kitchen: Kitchen) -> str:
    """The new-order form as a phone order is taken: the item found by part of its name."""
    await page.goto("/orders/new")
    await page.get_by_label("Name", exact=True).fill("Osteria del Ponte")
    item = page.get_by_label("Item code, line 1", exact=True)
    await item.press_sequentially(kitchen.jam.title()[:-2].lower(), delay=30)  # "fig-jam-ab"
    pick = page.locator(f'#line-1-picks button.pick[data-code="{kitchen.jam}"]')
    await expect(pick).to_contain_text(kitchen.jam.title())
    await pick.click()
    await expect(page.get_by_label("Item code, line 1", exact=True)).to_have_value(kitchen.jam)
    await page.get_by_label("Unit price, line 1", exact=True).fill("6.40")
    asked = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    await page.locator("#requested_on").fill(asked)  # tomorrow: a batch takes longer
    quantity = page.get_by_label("Quantity, line 1", exact=True)
    await quantity.fill("10")
    await quantity.press("Enter")  # Enter quotes; it does not add a line
    await expect(page.locator("#quote-date")).to_be_visible()
    await expect(page.locator("input[name$='-item_code']:not([type=hidden])")).to_have_count(3)
    await expect(page.locator("#quote-misses")).to_contain_text("misses the date")
    await expect(page.locator("#quote-total")).to_have_text("64.00 EUR")
    await shot(page, "new-order-picked-by-name")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Confirm the order").click()
    while "/orders/new" in page.url:  # connectors learn a new item from inventory's events
        await expect(page.locator("#refused")).to_contain_text("unknown")
        await page.wait_for_timeout(500)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Confirm the order").click()
    assert "done=created" in page.url
    landing = page.locator("#order, #order-pending")
    await expect(landing.first).to_be_visible()
    assert "There is no such order yet" not in await page.locator("main").inner_text()
    await expect(page.locator("#order")).to_be_visible(timeout=30_000)
    await expect(page.locator("#order-total")).to_have_text("64.00 EUR")
    return page.url.split("/orders/", 1)[1].split("?", 1)[0]


async def overflow(page: Page) -> dict[str, Any]:
    """How wide the document is against the window, and the widest element sticking out."""
    measured: dict[str, Any] = await page.evaluate(
        """() => {
          const inner = window.innerWidth, doc = document.documentElement.scrollWidth;
          let widest = "";
          if (doc > inner) {
            let most = inner;
            for (const el of document.querySelectorAll("main *, header *")) {
              const right = el.getBoundingClientRect().right;
              if (right > most) {
                most = right;
                widest = el.tagName + "." + el.className + " " + Math.round(right);
              }
            }
          }
          return {inner, doc, widest};
        }"""
    )
    return measured


async def test_every_page_fits_a_wide_screen_and_a_phone_with_real_data(
    system: System, gateway: httpx.AsyncClient, browser: Browser, dead_write_back: str
) -> None:
    kitchen = Kitchen()
    await kitchen.stock(gateway)
    operator = await signed_in(browser, system, "admin", "en")
    page = await operator.new_page()
    order_id = await order_by_picking_the_item_by_name(page, kitchen)
    production = await the_production_order_of(gateway, order_id)
    pages = [
        "/",
        "/orders",
        "/orders?status=materials_reserved&sort=promised",
        f"/orders/{order_id}",
        "/orders/new",
        "/production",
        f"/production?q={production['number']}",
        f"/production/{production['id']}",
        "/stock",
        f"/stock/{kitchen.figs}",
        "/trace",
        f"/trace?lot={kitchen.early_lot}",
        f"/trace?order={order_id}",
        f"/trace/recall?lot={kitchen.early_lot}",
        "/channels",
        "/status",
        "/reports",
        f"/search?q={kitchen.jam[:6]}",
        "/admin",
        "/admin/keys",
        "/admin/audit",
        "/no/such/page",
        "/orders/not-an-order-id",
    ]
    wide: list[str] = []
    heights: dict[int, float] = {}
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            await page.goto(path)
            await page.wait_for_load_state("load")
            measured = await overflow(page)
            if measured["doc"] > measured["inner"]:
                wide.append(f"{path} at {width}px: {measured}")
        await page.goto("/")
        row = page.locator(f'#dead tr:has-text("{dead_write_back}")')
        await expect(row).to_be_visible()  # the long error is really on the page measured
        await expect(row.locator("details.folded")).to_have_count(1)
        await shot(page, f"today-{width}")
        header = await page.locator("header.top").bounding_box()
        assert header is not None
        heights[width] = header["height"]
    await page.set_viewport_size({"width": 390, "height": 900})
    await page.goto(f"/orders/{order_id}")
    await shot(page, "order-detail-phone")
    assert wide == []
    assert heights[390] <= 110, heights  # the header took 180 px of a phone's height
    await operator.close()
