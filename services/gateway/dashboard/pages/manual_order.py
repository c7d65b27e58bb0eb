"""``/orders/new``: an order taken on the phone, by e-mail or by a sales rep.

Two steps, so nobody promises blind: *Quote* asks production for the date the lines could
be delivered (nothing is reserved), *Confirm* places the order through the connectors with
an idempotency key minted with the quote, so a double click or a resent form makes one order.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import manual_entry
from services.gateway.dashboard.manual_entry import Entry
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter(include_in_schema=False)
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /orders/new"),
    *rules(Level.WRITE, "POST /orders/new/quote", "POST /orders/new/confirm"),
)


def _form(
    request: Request,
    entry: Entry,
    *,
    quote: object = None,
    key: str = "",
    refused: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "entry": entry,
        "sources": manual_entry.SOURCES,
        "quote": quote,
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
    return RedirectResponse(f"/orders/{placed['order_id']}?done=created", status_code=303)
