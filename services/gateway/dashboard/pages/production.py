"""Production: the plan per line by day, the production orders (a page at a time), and one
order's detail where an operator starts it, completes it choosing the input lots, or cancels
it — cancelling asks once more, on a page of its own, as an order's cancel does."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.completion_form import FormError, completion_body, proposed_rows
from services.gateway.dashboard.paging import fetch_page, offset_of, page_url
from services.gateway.dashboard.plan_view import plan_grid
from services.gateway.dashboard.screen import notice_of, see_other, upstream_of
from services.gateway.dashboard.templating import principal_of, render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /production", "GET /production/{production_order_id}"),
    *rules(
        Level.WRITE,
        "POST /production/{production_order_id}/start",
        "POST /production/{production_order_id}/complete",
        "POST /production/{production_order_id}/cancel",
    ),
)

STATUSES = (
    "planned",
    "materials_reserved",
    "blocked_on_materials",
    "in_progress",
    "completed",
    "cancelled",
)
# Not started yet: what the production service still lets an operator cancel.
CANCELLABLE = ("planned", "materials_reserved", "blocked_on_materials")
PLAN_DAYS = 14


def _plan_start(request: Request) -> date:
    try:
        return date.fromisoformat(request.query_params.get("from", ""))
    except ValueError:
        return datetime.now(UTC).date()


@router.get("/production", response_class=HTMLResponse)
async def production(request: Request) -> Response:
    """The plan for two weeks from ``from`` and the production orders, newest first."""
    upstream = upstream_of(request)
    start = _plan_start(request)
    end = start + timedelta(days=PLAN_DAYS - 1)
    status = request.query_params.get("status", "")
    params: dict[str, Any] = {"newest_first": "true"}
    if status in STATUSES:
        params["status"] = status
    q = request.query_params.get("q", "").strip()[:200]
    if q:
        params["q"] = q
    errors: list[str] = []
    grid: list[Any] = []
    try:
        plan = await upstream.get(
            "/api/lines/plan", params={"from": start.isoformat(), "to": end.isoformat()}
        )
        grid = plan_grid(plan)
    except UpstreamError as error:
        errors.append(error.detail)
    page = None
    try:
        page = await fetch_page(
            upstream, "/api/production-orders", offset=offset_of(request), params=params
        )
    except UpstreamError as error:
        errors.append(error.detail)
    return render(
        request,
        "production.html",
        {
            "grid": grid,
            "start": start,
            "earlier": (start - timedelta(days=PLAN_DAYS)).isoformat(),
            "later": (end + timedelta(days=1)).isoformat(),
            "page": page,
            "page_url": page_url,
            "status": status,
            "q": q,
            "statuses": STATUSES,
            "errors": errors,
        },
    )


async def _lots_by_item(request: Request, order: dict[str, Any]) -> dict[str, list[Any]]:
    """The lots of each material, for the operator to choose from (first-expiring first)."""
    items = sorted({m["item_code"] for m in order.get("materials", [])})
    upstream = upstream_of(request)
    answers = await asyncio.gather(
        *(upstream.get("/api/lots", params={"item_code": i, "limit": 50}) for i in items),
        return_exceptions=True,
    )
    return {
        item: answer if isinstance(answer, list) else []
        for item, answer in zip(items, answers, strict=True)
    }


async def _detail(
    request: Request,
    production_order_id: str,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        order = await upstream_of(request).get(f"/api/production-orders/{production_order_id}")
    except UpstreamError as refused:
        return render(
            request,
            "production_order.html",
            {"order": None, "error": refused.detail, "notice": None},
            status_code=refused.status if refused.status in (404, 422) else 502,
        )
    rows = []
    if order["status"] == "in_progress" and principal_of(request).can_write:
        rows = proposed_rows(order, await _lots_by_item(request, order))
    return render(
        request,
        "production_order.html",
        {
            "order": order,
            "rows": rows,
            "form": form or {},
            "error": error,
            "notice": notice_of(request),
            "cancellable": CANCELLABLE,
        },
        status_code=status_code,
    )


@router.get("/production/{production_order_id}", response_class=HTMLResponse)
async def production_order(production_order_id: str, request: Request) -> Response:
    return await _detail(request, production_order_id)


@router.post("/production/{production_order_id}/start")
async def start(production_order_id: str, request: Request) -> Response:
    """Materials reserved → in progress; a refusal (say, already started) shows on the page."""
    try:
        await upstream_of(request).send(
            "POST", f"/api/production-orders/{production_order_id}/start"
        )
    except UpstreamError as refused:
        return await _detail(
            request, production_order_id, error=refused.detail, status_code=refused.status
        )
    return see_other(f"/production/{production_order_id}", "started")


@router.post("/production/{production_order_id}/complete")
async def complete(production_order_id: str, request: Request) -> Response:
    """The lots and quantities the operator confirmed, and the actual output."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        body = completion_body(form)
        await upstream_of(request).send(
            "POST", f"/api/production-orders/{production_order_id}/complete", json=body
        )
    except FormError as wrong:
        return await _detail(
            request, production_order_id, error=str(wrong), form=form, status_code=422
        )
    except UpstreamError as refused:
        return await _detail(
            request,
            production_order_id,
            error=refused.detail,
            form=form,
            status_code=refused.status,
        )
    return see_other(f"/production/{production_order_id}", "completed")


@router.post("/production/{production_order_id}/cancel")
async def cancel(production_order_id: str, request: Request) -> Response:
    """Cancels only when the form says ``confirmed=yes``; otherwise shows what would be
    cancelled (the orders it serves, the intermediates made for it) and asks."""
    form = await request.form()
    reason = str(form.get("reason") or "").strip()
    upstream = upstream_of(request)
    path = f"/api/production-orders/{production_order_id}"
    try:
        if form.get("confirmed") == "yes":
            await upstream.send("POST", f"{path}/cancel", json={"reason": reason or None})
            return see_other(f"/production/{production_order_id}", "production_cancelled")
        order = await upstream.get(path)
    except UpstreamError as refused:
        return await _detail(
            request, production_order_id, error=refused.detail, status_code=refused.status
        )
    context = {"order": order, "reason": reason}
    return render(request, "production_confirm_cancel.html", context)
