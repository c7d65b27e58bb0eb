"""``/orders/new``: an order taken on the phone, by e-mail or by a sales rep.

Two steps, so nobody promises blind: *Quote* asks production for the date the lines could
be delivered (nothing is reserved), *Confirm* places the order through the connectors with
an idempotency key minted with the quote, so a double click or a resent form makes one order.
Items are picked by name or code as one types (``/orders/new/items``), customers seen before
likewise by name or e-mail (``/orders/new/customers``); a confirmed order opens on its own
page once the orders service holds it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import customer_lookup, item_lookup, manual_entry
from services.gateway.dashboard.manual_entry import Entry
from services.gateway.dashboard.quote_view import view_of
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import render
from services.gateway.dashboard.upstream import Upstream, UpstreamError

router = APIRouter(include_in_schema=False)
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /orders/new", "GET /orders/new/items", "GET /orders/new/customers"),
    *rules(Level.WRITE, "POST /orders/new/quote", "POST /orders/new/confirm"),
)

# After confirming, wait this long for the orders service to hold the new order, so the
# operator lands on its page rather than on "not there yet".
CONFIRM_WAIT_SECONDS = 5.0
CONFIRM_LOOK_EVERY = 0.2


def _form(
    request: Request,
    entry: Entry,
    *,
    quote: dict[str, Any] | None = None,
    key: str = "",
    refused: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "entry": entry,
        "sources": manual_entry.SOURCES,
        "quote": quote,
        "view": view_of(entry, quote) if quote else None,
        "key": key,
        "refused": refused,
    }
    return render(request, "new_order.html", context, status_code=status_code)


@router.get("/orders/new", response_class=HTMLResponse)
async def new_order(request: Request) -> HTMLResponse:
    return _form(request, manual_entry.blank())


@router.post("/orders/new/quote", response_class=HTMLResponse)
async def quote(request: Request) -> HTMLResponse:
    """Quote the typed lines, or add a spare row (``action=add``) keeping what was typed."""
    form = await request.form()
    if form.get("action") == "add":
        return _form(request, manual_entry.read(form, extra_rows=1))
    entry = manual_entry.read(form)
    if not entry.problems:
        entry = await item_lookup.resolved(upstream_of(request), entry)
    if entry.problems:
        return _form(request, entry, status_code=422)
    try:
        answer = await upstream_of(request).send(
            "POST", "/api/quotes", json=manual_entry.quote_body(entry)
        )
    except UpstreamError as error:
        return _form(request, entry, refused=error.detail, status_code=error.status)
    return _form(request, entry, quote=answer, key=str(uuid.uuid4()))


@router.post("/orders/new/confirm")
async def confirm(request: Request) -> Response:
    form = await request.form()
    entry = manual_entry.read(form)
    key = str(form.get("idempotency_key") or "")
    if entry.problems or not key:
        return _form(request, entry, status_code=422)
    try:
        placed = await upstream_of(request).send(
            "POST",
            "/api/manual-orders",
            json=manual_entry.order_body(entry),
            headers={"Idempotency-Key": key},
        )
    except UpstreamError as error:
        return _form(request, entry, refused=error.detail, status_code=error.status)
    await _until_held(upstream_of(request), str(placed["order_id"]))
    return RedirectResponse(f"/orders/{placed['order_id']}?done=created", status_code=303)


async def _until_held(upstream: Upstream, order_id: str) -> bool:
    """Whether the orders service holds the order, looking for a few seconds: the channel
    accepts it at once, the orders service records it a moment later."""
    deadline = time.monotonic() + CONFIRM_WAIT_SECONDS
    while True:
        try:
            await upstream.get(f"/api/orders/{order_id}")
            return True
        except UpstreamError as error:
            if error.status != 404 or time.monotonic() >= deadline:
                return False
        await asyncio.sleep(CONFIRM_LOOK_EVERY)


@router.get("/orders/new/items", response_class=HTMLResponse)
async def item_picks(
    request: Request, line: int = Query(ge=1, le=manual_entry.MAX_ROWS), pick: str = ""
) -> HTMLResponse:
    """The picker of line ``line``: items whose name or code holds what was typed there,
    or (``pick``) the line's item field holding the chosen item's code."""
    if pick:
        return render(request, "new_order/item_field.html", {"n": line, "value": pick})
    typed = str(request.query_params.get(f"line-{line}-item_code") or "")
    found: list[dict[str, Any]] = []
    error = None
    try:
        found = await item_lookup.suggestions(upstream_of(request), typed)
    except UpstreamError as refused:
        error = refused.detail
    context = {"n": line, "typed": typed.strip(), "found": found, "error": error}
    return render(request, "new_order/item_picks.html", context)


CUSTOMER_FIELDS = ("customer_name", "customer_email")


@router.get("/orders/new/customers", response_class=HTMLResponse)
async def customer_picks(request: Request, field: str = "", pick: str = "") -> HTMLResponse:
    """Customers seen before for what was typed in ``field`` (name or e-mail), or (``pick``)
    the customer fields filled with the chosen customer's name, e-mail and address."""
    asked = request.query_params
    if pick:
        picked = {name: str(asked.get(name) or "").strip() for name in manual_entry.FIELDS}
        entry = manual_entry.Entry(picked, ())
        return render(request, "new_order/customer_fields.html", {"entry": entry})
    typed = str(asked.get(field) or "") if field in CUSTOMER_FIELDS else ""
    found: list[dict[str, str]] = []
    error = None
    try:
        found = await customer_lookup.suggestions(upstream_of(request), typed)
    except UpstreamError as refused:
        error = refused.detail
    context = {"typed": typed.strip(), "found": found, "error": error}
    return render(request, "new_order/customer_picks.html", context)
