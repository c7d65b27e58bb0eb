"""Forms that prevent mistakes (issue 25 §3), over canned service answers: items picked by
name as one types, a name quoted as its item, the customer's date missed said out loud, the
order total, a confirmed order opening on its own page, and a second question before a
cancel or a recall is sent."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.gateway.access.principal import Level
from tests.fakes.services_api import FakeServices, order, production_order, quote_answer
from tests.integration.test_gateway_floor_pages import (  # the same app and fixtures
    Browser,
    browser,
    fake,
    person,
)
from tests.unit.gateway.test_translations import english_left_in

__all__ = ["browser", "fake"]

ITEMS = [
    {"code": "BISC-BUTTER-200G", "name": "Butter biscuits 200 g", "kind": "finished_good"},
    {"code": "BISC-CHOC-200G", "name": "Chocolate biscuits 200 g", "kind": "finished_good"},
    {"code": "BUTTER-KG", "name": "Butter", "kind": "raw_material"},
]


def items_search(request: httpx.Request) -> httpx.Response:
    """``GET /api/items?q=``: part of the name or code, in any case, as inventory answers."""
    q = request.url.params.get("q", "").casefold()
    found = [i for i in ITEMS if q in i["name"].casefold() or q in i["code"].casefold()]
    return httpx.Response(200, json=found)


def form(**more: str) -> dict[str, str]:
    return {
        "source": "phone",
        "customer_name": "Forno Bianchi",
        "rows": "3",
        "line-1-quantity": "10",
        "line-1-unit": "pc",
        "currency": "eur",
        **more,
    }


async def test_the_picker_offers_items_by_part_of_their_name_and_a_pick_fills_the_code(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/items", answer=items_search)
    operator = browser(person(Level.WRITE))

    picks = await operator.get(
        "/orders/new/items", params={"line": 2, "line-2-item_code": "butter bisc"}
    )
    none = await operator.get("/orders/new/items", params={"line": 2, "line-2-item_code": "zz"})
    picked = await operator.get("/orders/new/items", params={"line": 2, "pick": "BISC-BUTTER-200G"})

    assert picks.status_code == 200
    assert re.findall(r'data-code="([^"]+)"', picks.text) == ["BISC-BUTTER-200G"]
    assert "Butter biscuits 200 g" in picks.text and 'hx-target="#line-2-item"' in picks.text
    assert fake.requests_to("GET", "/api/items")[0].url.params["q"] == "butter bisc"
    assert "No item&#39;s name or code holds this." in none.text
    assert 'name="line-2-item_code" value="BISC-BUTTER-200G"' in picked.text


async def test_a_typed_name_is_quoted_as_its_item_with_the_total_and_the_missed_date(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/items", answer=items_search)
    promised = datetime.now(UTC).date() + timedelta(days=12)
    asked = promised - timedelta(days=3)
    fake.on("POST", "/api/quotes", json=quote_answer(promised))
    typed = form(
        **{
            "line-1-item_code": "Butter biscuits 200 g",
            "line-1-unit_price": "4,25",
            "line-2-item_code": "bisc-choc-200g",
            "line-2-quantity": "2",
            "requested_on": asked.isoformat(),
        }
    )

    page = await browser(person(Level.WRITE)).post("/orders/new/quote", data=typed)

    assert page.status_code == 200, page.text
    lines = fake.body_of("POST", "/api/quotes")["lines"]
    assert [line["item_code"] for line in lines] == ["BISC-BUTTER-200G", "BISC-CHOC-200G"]
    assert 'id="quote-misses"' in page.text
    assert f"({asked.isoformat()}) by 3 days" in page.text
    assert re.search(r'id="quote-total">42.50 EUR<', page.text)
    assert "(1 lines without a price are not counted)" in page.text
    confirm = re.search(r'action="/orders/new/confirm".*?</form>', page.text, re.S)
    assert confirm and 'value="BISC-BUTTER-200G"' in confirm.group(0)


async def test_a_promise_within_the_asked_date_says_it_is_met(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/items", answer=items_search)
    promised = datetime.now(UTC).date() + timedelta(days=5)
    fake.on("POST", "/api/quotes", json=quote_answer(promised))
    typed = form(
        **{
            "line-1-item_code": "BISC-CHOC-200G",
            "requested_on": (promised + timedelta(days=1)).isoformat(),
        }
    )

    page = await browser(person(Level.WRITE)).post("/orders/new/quote", data=typed)

    assert 'id="quote-meets"' in page.text and 'id="quote-misses"' not in page.text
    assert 'id="quote-total"' not in page.text  # no price typed: no total to show


async def test_a_name_fitting_several_items_or_none_is_shown_back_not_quoted(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/items", answer=items_search)
    typed = form(
        **{
            "line-1-item_code": "biscuits",
            "line-2-item_code": "marzipan",
            "line-2-quantity": "1",
        }
    )

    page = await browser(person(Level.WRITE)).post("/orders/new/quote", data=typed)

    assert page.status_code == 422
    assert "Line 1: “BISCUITS” fits several items; pick one from the list." in page.text
    assert "Line 2: no item&#39;s name or code holds “MARZIPAN”." in page.text
    assert fake.requests_to("POST", "/api/quotes") == []


async def test_an_italian_operator_reads_the_missed_date_in_italian(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/items", answer=items_search)
    promised = datetime.now(UTC).date() + timedelta(days=9)
    fake.on("POST", "/api/quotes", json=quote_answer(promised))
    typed = form(
        **{
            "line-1-item_code": "BUTTER-KG",
            "requested_on": (promised - timedelta(days=2)).isoformat(),
        }
    )

    page = await browser(person(Level.WRITE, locale="it")).post("/orders/new/quote", data=typed)

    assert "supera di 2 giorni quella chiesta dal cliente" in page.text
    # the steps read to the customer, the date and the total: Italian, written the Italian way
    assert "materiale FIGS (10 giorni)" in page.text and "material FIGS" not in page.text
    assert promised.strftime("%d/%m/%Y") in page.text and promised.isoformat() not in page.text
    assert english_left_in(page.text) == []


async def test_an_italian_operator_reads_the_total_with_a_decimal_comma_and_the_euro_sign(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/items", answer=items_search)
    fake.on("POST", "/api/quotes", json=quote_answer(datetime.now(UTC).date()))
    typed = form(**{"line-1-item_code": "BUTTER-KG", "line-1-unit_price": "1234.5"})

    page = await browser(person(Level.WRITE, locale="it")).post("/orders/new/quote", data=typed)

    assert re.search(r'id="quote-total">12\.345,00 €<', page.text)


async def test_confirming_waits_until_the_orders_service_holds_the_order(
    fake: FakeServices, browser: Browser
) -> None:
    placed = str(uuid.uuid4())
    fake.on("POST", "/api/manual-orders", status=201, json={"order_id": placed})
    looks = {"n": 0}

    def arriving(_request: httpx.Request) -> httpx.Response:
        looks["n"] += 1
        if looks["n"] < 3:
            return httpx.Response(404, json={"detail": "no such order"})
        return httpx.Response(200, json=order(id=placed))

    fake.on("GET", f"/api/orders/{placed}", answer=arriving)
    typed = form(**{"line-1-item_code": "BUTTER-KG", "idempotency_key": str(uuid.uuid4())})

    answer = await browser(person(Level.WRITE)).post("/orders/new/confirm", data=typed)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/orders/{placed}?done=created"
    assert looks["n"] == 3  # looked until it was there, then went


async def test_a_just_placed_order_not_yet_recorded_says_so_not_that_there_is_none(
    fake: FakeServices, browser: Browser
) -> None:
    missing = uuid.uuid4()
    fake.on("GET", f"/api/orders/{missing}", status=404, json={"detail": "no such order"})

    page = await browser(person(Level.WRITE)).get(f"/orders/{missing}?done=created")

    assert 'id="order-pending"' in page.text and "Order placed." in page.text
    assert "There is no such order yet" not in page.text
    assert f"url=/orders/{missing}?look=1&amp;done=created" in page.text


async def test_the_order_page_shows_its_total_and_cancel_asks_before_it_sends(
    fake: FakeServices, browser: Browser
) -> None:
    shown = order(status="awaiting_production")
    fake.on("GET", f"/api/orders/{shown['id']}", json=shown)
    fake.on("POST", f"/api/orders/{shown['id']}/cancel", status=200, json={})
    operator = browser(person(Level.WRITE))

    page = await operator.get(f"/orders/{shown['id']}")
    asked = await operator.post(f"/orders/{shown['id']}/cancel", data={"reason": "duplicate"})
    sent_before = list(fake.requests_to("POST", f"/api/orders/{shown['id']}/cancel"))
    done = await operator.post(
        f"/orders/{shown['id']}/cancel", data={"reason": "duplicate", "confirmed": "yes"}
    )

    assert re.search(r'id="order-total">54.00 EUR<', page.text)  # 12 × 4.50
    assert asked.status_code == 200
    assert "Cancel order 1001?" in asked.text and 'value="duplicate"' in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert sent_before == []
    assert done.status_code == 303 and done.headers["location"].endswith("done=cancelled")
    assert fake.body_of("POST", f"/api/orders/{shown['id']}/cancel") == {"reason": "duplicate"}


async def test_a_recall_is_issued_only_after_the_second_question(
    fake: FakeServices, browser: Browser
) -> None:
    reached = {
        "lot_code": "L-FLOUR-1",
        "customers": [{"customer": "c1", "name": "Bar Sport", "email": None, "order_ids": []}],
        "shipments": [],
        "in_stock": [{"lot_code": "L-FLOUR-1", "item_code": "FLOUR", "quantity": None}],
        "lots": [],
    }
    fake.on("GET", "/api/trace/lots/L-FLOUR-1/forward", json=reached)
    recall_id = str(uuid.uuid4())
    fake.on("POST", "/api/trace/recalls", status=201, json={"recall_id": recall_id})
    operator = browser(person(Level.WRITE))
    typed = {"lot": "L-FLOUR-1", "reason": "mould"}

    asked = await operator.post("/trace/recalls", data=typed)
    sent_before = list(fake.requests_to("POST", "/api/trace/recalls"))
    issued = await operator.post("/trace/recalls", data={**typed, "confirmed": "yes"})

    assert asked.status_code == 200, asked.text
    assert 'id="confirm-recall"' in asked.text and "Lots still in stock: 1" in asked.text
    assert sent_before == []
    assert issued.status_code == 303
    assert issued.headers["location"].startswith(f"/trace/recalls/{recall_id}")


ADDRESS = {"address1": "Via Roma 1", "postal_code": "40121", "city": "Bologna"}


def customers_search(request: httpx.Request) -> httpx.Response:
    """``GET /api/orders?q=``: the orders service's own search (number, customer's name or
    e-mail), newest first; the regular has two orders, one order matches only by number."""
    regular = {
        "name": "Forno Bianchi",
        "email": "ordini@fornobianchi.example",
        "locale": "it",
        "shipping_address": {"name": "Forno Bianchi", **ADDRESS, "country_code": "IT"},
    }
    orders = [
        order(customer=regular),
        order(customer=regular, external_number="0999"),
        order(customer={"name": "Bar Bianco", "email": None}),
        order(customer={"name": "Someone Else", "email": "x@y.example"}, external_number="BIA"),
    ]
    q = request.url.params.get("q", "").casefold()
    found = [
        o
        for o in orders
        if q in (o["customer"]["name"] or "").casefold()
        or q in (o["customer"]["email"] or "").casefold()
        or o["external_number"].casefold().startswith(q)
    ]
    return httpx.Response(200, json=found)


async def test_customers_seen_before_are_offered_as_one_types_and_a_pick_fills_them(
    fake: FakeServices, browser: Browser
) -> None:
    fake.on("GET", "/api/orders", answer=customers_search)
    operator = browser(person(Level.WRITE))

    form_page = await operator.get("/orders/new")
    by_name = await operator.get(
        "/orders/new/customers", params={"field": "customer_name", "customer_name": "bia"}
    )
    by_email = await operator.get(
        "/orders/new/customers", params={"field": "customer_email", "customer_email": "fornobi"}
    )
    nobody = await operator.get(
        "/orders/new/customers", params={"field": "customer_name", "customer_name": "zz"}
    )
    pick_url = html.unescape(re.findall(r'hx-get="([^"]+pick=yes[^"]+)"', by_email.text)[0])
    picked = await operator.get(pick_url)

    assert 'hx-get="/orders/new/customers?field=customer_name"' in form_page.text
    assert 'hx-get="/orders/new/customers?field=customer_email"' in form_page.text
    # each customer once (the regular has two orders); an order found by number offers nobody
    assert re.findall(r'data-email="([^"]*)"', by_name.text) == [
        "ordini@fornobianchi.example",
        "",
    ]
    assert "Bar Bianco" in by_name.text and "Someone Else" not in by_name.text
    assert fake.requests_to("GET", "/api/orders")[0].url.params["q"] == "bia"
    assert re.findall(r'data-email="([^"]*)"', by_email.text) == ["ordini@fornobianchi.example"]
    assert "No customer seen before has this name or e-mail." in nobody.text
    assert picked.status_code == 200 and 'id="customer-fields"' in picked.text
    for name, value in {
        "customer_name": "Forno Bianchi",
        "customer_email": "ordini@fornobianchi.example",
        "country_code": "IT",
        **ADDRESS,
    }.items():
        assert re.search(rf'name="{name}"[^>]* value="{re.escape(value)}"', picked.text), name
    assert '<option value="it" selected>' in picked.text


async def test_fewer_than_two_letters_ask_nothing_of_the_orders_service(
    fake: FakeServices, browser: Browser
) -> None:
    answer = await browser(person(Level.WRITE)).get(
        "/orders/new/customers", params={"field": "customer_name", "customer_name": "b"}
    )

    assert answer.status_code == 200 and "picks-list" not in answer.text
    assert fake.requests_to("GET", "/api/orders") == []


async def test_cancelling_a_production_order_asks_before_it_sends(
    fake: FakeServices, browser: Browser
) -> None:
    served = str(uuid.uuid4())
    shown = production_order(
        status="materials_reserved",
        demands=[{"order_id": served, "line_no": 1, "quantity": "40", "unit": "pc"}],
        children=[production_order(number="MO-00008", item_code="FIG-PULP", status="planned")],
    )
    path = f"/api/production-orders/{shown['id']}"
    fake.on("GET", path, json=shown)
    fake.on("POST", f"{path}/cancel", json={**shown, "status": "cancelled"})
    operator = browser(person(Level.WRITE))

    page = await operator.get(f"/production/{shown['id']}")
    asked = await operator.post(f"/production/{shown['id']}/cancel", data={"reason": "no figs"})
    sent_before = list(fake.requests_to("POST", f"{path}/cancel"))
    done = await operator.post(
        f"/production/{shown['id']}/cancel", data={"reason": "no figs", "confirmed": "yes"}
    )
    after = await operator.get(done.headers["location"])

    assert 'id="cancel-form"' in page.text and 'name="confirmed"' not in page.text
    assert asked.status_code == 200
    assert "Cancel production order MO-00007?" in asked.text
    assert f'href="/orders/{served}"' in asked.text and "MO-00008" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text and 'value="no figs"' in asked.text
    assert sent_before == []
    assert done.status_code == 303
    assert done.headers["location"] == f"/production/{shown['id']}?notice=production_cancelled"
    assert fake.body_of("POST", f"{path}/cancel") == {"reason": "no figs"}
    assert "Production order cancelled; what it held is released." in after.text


async def test_a_started_production_order_offers_no_cancel_and_a_refusal_is_shown(
    fake: FakeServices, browser: Browser
) -> None:
    shown = production_order(status="in_progress")
    path = f"/api/production-orders/{shown['id']}"
    fake.on("GET", path, json=shown)
    fake.on("POST", f"{path}/cancel", status=409, json={"detail": "already started"})
    operator = browser(person(Level.WRITE))

    page = await operator.get(f"/production/{shown['id']}")
    refused = await operator.post(
        f"/production/{shown['id']}/cancel", data={"reason": "x", "confirmed": "yes"}
    )

    assert 'id="cancel-form"' not in page.text
    assert refused.status_code == 409 and "already started" in refused.text
