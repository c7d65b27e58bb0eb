"""Search from the header: whatever a person types — an order's number, a customer's name or
e-mail, the start of a lot code or a supplier's lot code, part of an item's name, a production
order's number (MO-00042) — finds the orders, lots, items and production orders it names,
each linking to its page. Each service answers for its own data (``q`` on its list
endpoints); a service that refuses leaves the others shown."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import labels
from services.gateway.dashboard.paging import page_or_refusal, page_url
from services.gateway.dashboard.templating import render

router = APIRouter()
RULES: tuple[Rule, ...] = (*rules(Level.READ, "GET /search"),)
HITS = 10


@router.get("/search", response_class=HTMLResponse)
async def search(request: Request, q: str = Query(default="", max_length=200)) -> Response:
    text = q.strip()
    errors: list[str] = []
    found = {}
    if text:
        for kind, path, name in (
            ("orders", "/api/orders", "o_offset"),
            ("lots", "/api/lots", "l_offset"),
            ("items", "/api/items", "i_offset"),
            ("production", "/api/production-orders", "p_offset"),
        ):
            found[kind] = await page_or_refusal(
                errors, request, path, size=HITS, params={"q": text}, name=name
            )
    return render(
        request,
        "search.html",
        {"q": text, "found": found, "errors": errors, "page_url": page_url, "labels": labels},
    )
