"""Orders: the list (``/orders``, filtered by status, paged) and one order's page
(``/orders/{id}``) with what the floor can do to it — release a hold, cancel, ship.
Cancelling asks once more, on a page of its own, before anything is sent.

Every write goes to the orders service's own API; a refusal (409, 422) comes back as the
service's words on the same page, and a success redirects so a reload does not repeat it.
"""

from __future__ import annotations

import asyncio
from functools import partial
from itertools import chain
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import labels, recall_warnings, timeline_view
from services.gateway.dashboard.money import order_total
from services.gateway.dashboard.pages.live import live_since
from services.gateway.dashboard.paging import fetch_page, offset_of, page_url
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import is_fragment, language_of, render
from services.gateway.dashboard.upstream import Upstream, UpstreamError

router = APIRouter(include_in_schema=False)
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /orders", "GET /orders/{order_id}"),
    *rules(
        Level.WRITE,
        "POST /orders/{order_id}/release",
        "POST /orders/{order_id}/cancel",
        "POST /orders/{order_id}/ship",
    ),
)

PAGE_SIZE = 25
SORTS = ("newest", "promised")
LOOK_EVERY_SECONDS = 2
LOOKS = 15  # a new order appears within seconds; after ~30 s of none, stop and say so


@router.get("/orders", response_class=HTMLResponse)
async def order_list(request: Request, status: str = "", sort: str = "newest") -> HTMLResponse:
    status = status if status in labels.ORDER_STATUSES else ""
    sort = sort if sort in SORTS else "newest"
    since = live_since(request)
    params: dict[str, Any] = {"sort": sort}
    if status:
        params["status"] = status
    elif sort == "promised":  # by promise: the open orders, the ones a date still matters for
        params["status"] = list(labels.OPEN_ORDER_STATUSES)
    error, page = None, None
    try:
        page = await fetch_page(
            upstream_of(request),
            "/api/orders",
            offset=offset_of(request),
            size=PAGE_SIZE,
            params=params,
        )
    except UpstreamError as refused:
        error = refused.detail
    context = {
        "page": page,
        "page_url": page_url,
        "status": status,
        "sort": sort,
        "error": error,
        "labels": labels,
        "live_since": since,
    }
    template = "orders/table.html" if is_fragment(request) else "orders/list.html"
    return render(request, template, context)


async def _order_context(request: Request, order_id: UUID) -> dict[str, Any] | None:
    """The order, its shipments and its timeline; None while the order does not exist."""
    up = upstream_of(request)
    try:
        order = await up.get(f"/api/orders/{order_id}")
    except UpstreamError as error:
        if error.status == 404:
            return None
        raise
    shipments, timeline, (recalls, recalls_known), cost = await asyncio.gather(
        up.get(f"/api/orders/{order_id}/shipments"),
        up.get(f"/api/orders/{order_id}/timeline"),
        _recalls_touching(up, order),
        _cost_of(up, order_id),
    )
    total = order_total(order)
    said = partial(timeline_view.sentence, language=language_of(request))
    return {
        "order": order,
        "shipments": shipments,
        "timeline": timeline,
        "sentence": said,
        "total": total,
        "cost": cost,
        "recalls": recalls,
        "recalls_known": recalls_known,
        "recalled_shipments": {i: w for w in recalls for i in w.shipment_ids},
    }


async def _cost_of(up: Upstream, order_id: UUID) -> dict[str, Any] | None:
    """The order's cost of goods and margin; None when it cannot be asked (the page says so
    rather than failing whole)."""
    try:
        cost: dict[str, Any] = await up.get(f"/api/orders/{order_id}/cost")
    except UpstreamError:
        return None
    return cost


async def _recalls_touching(
    up: Upstream, order: dict[str, Any]
) -> tuple[list[recall_warnings.RecallWarning], bool]:
    """The recalls in force reaching the order or its customer; ``False`` when the trace
    service cannot be asked (the page says the check could not be made, never "none")."""
    customer = recall_warnings.customer_code(order.get("customer") or {})
    asked: list[dict[str, str]] = [{"order_id": str(order["id"])}]
    if customer:
        asked.append({"customer": customer})
    try:
        answers = await asyncio.gather(
            *(up.get("/api/trace/recalls", params={**a, "limit": "50"}) for a in asked)
        )
    except UpstreamError:
        return [], False
    return recall_warnings.warnings(str(order["id"]), customer, chain(*answers)), True


async def _detail(
    request: Request,
    order_id: UUID,
    *,
    done: str | None = None,
    refused: str | None = None,
    status_code: int = 200,
    look: int = 0,
) -> HTMLResponse:
    since = live_since(request)
    base = {"labels": labels, "live_since": since, "done": done, "refused": refused}
    try:
        found = await _order_context(request, order_id)
    except UpstreamError as error:
        context = {**base, "order_id": order_id, "error": error.detail}
        return render(request, "orders/unavailable.html", context, status_code=error.status)
    if found is None:  # looks again a few times (it may be arriving), then stops and says so
        looks = {"look": look, "looks": LOOKS, "every": LOOK_EVERY_SECONDS}
        context = {**base, "order_id": order_id, **looks}
        return render(request, "orders/pending.html", context, status_code=404)
    template = "orders/detail_body.html" if is_fragment(request) else "orders/detail.html"
    return render(request, template, {**base, **found}, status_code=status_code)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_detail(
    request: Request, order_id: UUID, done: str | None = None, look: int = 0
) -> HTMLResponse:
    """``look``: how many times a missing order's page has looked for it already."""
    return await _detail(request, order_id, done=done, look=max(look, 0))


async def _act(request: Request, order_id: UUID, path: str, body: Any, done: str) -> Response:
    try:
        await upstream_of(request).send("POST", f"/api/orders/{order_id}/{path}", json=body)
    except UpstreamError as error:
        return await _detail(request, order_id, refused=error.detail, status_code=error.status)
    return RedirectResponse(f"/orders/{order_id}?done={done}", status_code=303)


def _text(form: Any, name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


@router.post("/orders/{order_id}/release")
async def release(request: Request, order_id: UUID) -> Response:
    """``item.<line_no>`` fields name the item of a line whose SKU maps to none."""
    form = await request.form()
    items = {
        int(key.removeprefix("item.")): str(value).strip()
        for key, value in form.items()
        if key.startswith("item.") and key[5:].isdigit() and str(value).strip()
    }
    body = {"items": items, "reason": _text(form, "reason")}
    return await _act(request, order_id, "release", body, "released")


@router.post("/orders/{order_id}/cancel")
async def cancel(request: Request, order_id: UUID) -> Response:
    """Cancels only when the form says ``confirmed=yes``; otherwise shows what would be
    cancelled and asks (a red button next to Ship is too easy to press)."""
    form = await request.form()
    reason = _text(form, "reason")
    if form.get("confirmed") == "yes":
        return await _act(request, order_id, "cancel", {"reason": reason}, "cancelled")
    try:
        found = await _order_context(request, order_id)
    except UpstreamError as error:
        return await _detail(request, order_id, refused=error.detail, status_code=error.status)
    if found is None:
        return await _detail(request, order_id)
    context = {"labels": labels, "reason": reason or "", **found}
    return render(request, "orders/confirm_cancel.html", context)


@router.post("/orders/{order_id}/ship")
async def ship(request: Request, order_id: UUID) -> Response:
    """The whole remaining order with the manual carrier: a person packed it and has the
    tracking number the carrier gave them."""
    form = await request.form()
    body = {
        "carrier": "manual",
        "tracking_number": _text(form, "tracking_number"),
        "tracking_url": _text(form, "tracking_url"),
    }
    return await _act(request, order_id, "shipments", body, "shipped")
