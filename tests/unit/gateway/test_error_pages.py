"""Which requests get an error page rather than JSON, and that every word of those pages
(and of the item picker's refusals, named outside a template) has its Italian."""

from __future__ import annotations

from starlette.datastructures import Headers

from services.gateway.dashboard import i18n
from services.gateway.dashboard.error_pages import EXPLANATIONS, TITLES, is_page_request
from services.gateway.dashboard.item_lookup import NO_ITEM, SEVERAL

BROWSER = Headers({"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
PROGRAM = Headers({"accept": "application/json"})


def test_a_browser_on_a_dashboard_path_gets_a_page_a_program_gets_json() -> None:
    assert is_page_request("/orders/x", BROWSER)
    assert is_page_request("/admin", Headers({}))  # a plain form post, curl without Accept
    assert not is_page_request("/orders/x", PROGRAM)
    for machine in ("/api/orders", "/webhooks/shopify", "/metrics", "/openapi.json", "/events"):
        assert not is_page_request(machine, BROWSER), machine


def test_every_error_page_text_and_picker_refusal_has_its_italian() -> None:
    italian = i18n.catalogs()["it"]
    texts = {
        *TITLES.values(),
        *EXPLANATIONS.values(),
        "Something went wrong",
        "Go back and try again.",
        NO_ITEM,
        SEVERAL,
    }

    assert sorted(t for t in texts if t not in italian) == []
