"""The Channels page's minimum shelf-life section (issue 17 §2): the rules listed, set and
deleted by operators (forwarded to inventory's API), read-only for a viewer, in Italian for
an Italian reader, and a refusal shown with the form kept."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.access.principal import Level
from tests.fakes.services_api import FakeServices
from tests.integration.test_gateway_floor_pages import person
from tests.integration.test_gateway_outbound_webhooks_page import channels_app, get
from tests.unit.gateway.test_translations import english_left_in

RULES = [
    {
        "scope": "channel",
        "key": "shopify",
        "min_days": 30,
        "min_fraction": None,
        "needs": "≥ 30 days",
    },
    {
        "scope": "customer",
        "key": "bottega verdi",
        "min_days": None,
        "min_fraction": "2/3",
        "needs": "≥ 2/3 of its shelf life",
    },
]


@pytest.fixture
def fake() -> FakeServices:
    services = FakeServices()
    for path in (
        "/api/shops",
        "/api/webhook-deliveries",
        "/api/write-backs",
        "/api/stock-sync",
        "/api/outbound-webhooks",
        "/api/outbound-webhooks/deliveries",
    ):
        services.on("GET", path, json=[])
    services.on("GET", "/api/shelf-life-rules", json=RULES)
    services.on("PUT", "/api/shelf-life-rules/.+", json=RULES[0])
    services.on("DELETE", "/api/shelf-life-rules/.+", status=204)
    return services


async def post(app: FastAPI, path: str, data: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        return await http.post(path, data={"csrf_token": "the-csrf-token", **data})


async def test_the_rules_are_listed_with_set_and_delete_for_an_operator(fake):
    page = await get(channels_app(fake, person(Level.WRITE)), "/channels")

    assert page.status_code == 200
    section = page.text[page.text.index('id="shelf-life"') :]
    assert "<strong>shopify</strong>" in section and "<strong>bottega verdi</strong>" in section
    assert '<td class="num">30</td>' in section and '<td class="num">2/3</td>' in section
    assert 'action="/channels/shelf-life-rules/customer/bottega%20verdi/delete"' in section
    assert 'action="/channels/shelf-life-rules"' in section


async def test_a_viewer_reads_the_rules_but_gets_no_form(fake):
    page = await get(channels_app(fake, person(Level.READ)), "/channels")

    assert "<strong>shopify</strong>" in page.text
    assert "/channels/shelf-life-rules" not in page.text


async def test_the_section_is_italian_for_an_italian_reader(fake):
    page = await get(channels_app(fake, person(Level.WRITE, locale="it")), "/channels")

    assert "Vita residua minima" in page.text and "Imposta una regola" in page.text
    assert english_left_in(page.text) == []


async def test_setting_a_rule_forwards_it_to_inventory(fake):
    app = channels_app(fake, person(Level.WRITE))
    answer = await post(
        app,
        "/channels/shelf-life-rules",
        {"scope": "customer", "key": "Bottega Verdi", "min_days": "", "min_fraction": "2/3"},
    )

    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/channels?notice=shelf_life_set",
    )
    path = "/api/shelf-life-rules/customer/Bottega%20Verdi"
    [sent] = [r for r in fake.seen if r.method == "PUT"]
    assert sent.url.raw_path.decode() == path
    assert fake.body_of("PUT", "/api/shelf-life-rules/customer/Bottega Verdi") == {
        "min_days": None,
        "min_fraction": "2/3",
    }


async def test_deleting_a_rule_forwards_it_to_inventory(fake):
    app = channels_app(fake, person(Level.WRITE))
    answer = await post(app, "/channels/shelf-life-rules/channel/shopify/delete", {})

    assert answer.headers["location"] == "/channels?notice=shelf_life_deleted"
    assert [r.url.path for r in fake.seen if r.method == "DELETE"] == [
        "/api/shelf-life-rules/channel/shopify"
    ]


async def test_a_rule_asking_nothing_is_refused_with_the_form_kept(fake):
    app = channels_app(fake, person(Level.WRITE))
    answer = await post(
        app,
        "/channels/shelf-life-rules",
        {"scope": "channel", "key": "etsy", "min_days": "", "min_fraction": ""},
    )

    assert answer.status_code == 422
    assert "give days, a fraction or both" in answer.text
    assert 'name="key" required value="etsy"' in answer.text
    assert [r for r in fake.seen if r.method == "PUT"] == []


async def test_inventorys_refusal_is_shown_with_the_form_kept(fake):
    fake.on(
        "PUT",
        "/api/shelf-life-rules/.+",
        status=422,
        json={"detail": "min_fraction must be above 0 and at most 1, got 3/2"},
    )
    app = channels_app(fake, person(Level.WRITE))
    answer = await post(
        app,
        "/channels/shelf-life-rules",
        {"scope": "channel", "key": "etsy", "min_days": "", "min_fraction": "3/2"},
    )

    assert answer.status_code == 422
    assert "min_fraction must be above 0 and at most 1, got 3/2" in answer.text
    assert 'name="min_fraction" value="3/2"' in answer.text
