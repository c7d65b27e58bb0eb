"""Today (``/``): the shift lead's first look — orders by status, the exceptions (late, on
hold, blocked on materials, stuck with no promise, at risk: every open order that cannot
reach its promise, in exactly one of them, counted over all orders by the orders service and
paged here), shortages blocking production, what ships today (due today or earlier), and what
waits for an operator to replay: dead write-backs, dead webhook deliveries and the events the
services' consumers dead-lettered on Kafka.

Each panel loads on its own and fails on its own: a service that is down empties its panel
with a message, never the page. ``GET /today/<panel>`` re-renders one panel for htmx when a
live notice says it changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import labels
from services.gateway.dashboard.listing import counted
from services.gateway.dashboard.pages.live import live_since
from services.gateway.dashboard.paging import offset_of
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import is_fragment, render
from services.gateway.dashboard.upstream import Upstream, UpstreamError
from services.gateway.proxy import actor_headers
from services.gateway.routes import SERVICES

router = APIRouter(include_in_schema=False)
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /", "GET /today/{panel}"),
    *rules(
        Level.WRITE,
        "POST /today/write-backs/{write_back_id}/replay",
        "POST /today/webhook-deliveries/{webhook_id}/replay",
        "POST /today/dead-letters/{service}/{topic}/{partition}/{offset}/replay",
    ),
)

CARDS_PER_STATUS = 4
ROWS = 8  # each table shows this many and links to the full list
EXCEPTIONS = ("late", "held", "materials", "stuck", "at_risk")  # the orders service's kinds


def once_each(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An order that changed status while the columns were read one by one shows once: in
    the column of its freshest reading (the latest ``updated_at``)."""
    freshest: dict[str, tuple[str, str]] = {}
    for col in columns:
        for order in col["orders"]:
            key, seen_at = str(order["id"]), str(order.get("updated_at", ""))
            if key not in freshest or seen_at > freshest[key][1]:
                freshest[key] = (col["status"], seen_at)
    for col in columns:
        col["orders"] = [o for o in col["orders"] if freshest[str(o["id"])][0] == col["status"]]
    return columns


async def _board(up: Upstream, request: Request) -> dict[str, Any]:
    async def column(status: str) -> dict[str, Any]:
        limit = CARDS_PER_STATUS if status in labels.OPEN_ORDER_STATUSES else 1
        orders, total = await counted(up, "/api/orders", {"status": status, "limit": limit})
        return {"status": status, "orders": orders[:CARDS_PER_STATUS], "total": total}

    columns = once_each(await asyncio.gather(*(column(s) for s in labels.ORDER_STATUSES)))
    return {
        "columns": [c for c in columns if c["status"] in labels.OPEN_ORDER_STATUSES],
        "closed": [c for c in columns if c["status"] not in labels.OPEN_ORDER_STATUSES],
    }


async def _exceptions(kind: str, up: Upstream, request: Request) -> dict[str, Any]:
    """One kind of exception, one page of it (``<kind>_offset``), and how many there are
    over every open order: the orders service classifies them all, we never sample."""
    offset = offset_of(request, f"{kind}_offset")
    params = {"kind": kind, "limit": ROWS, "offset": offset}
    answer = await up.get("/api/orders/exceptions", params=params)
    return {
        "orders": answer["items"],
        "total": answer["total"],
        "open_orders": answer["open_orders"],
        "offset": offset,
        "size": ROWS,
    }


async def _shortages(up: Upstream, request: Request) -> dict[str, Any]:
    params = {"status": "blocked_on_materials", "limit": ROWS + 1}
    blocked = await up.get("/api/production-orders", params=params)
    return {"production_orders": blocked[:ROWS], "more": len(blocked) > ROWS}


async def _shipments(up: Upstream, request: Request) -> dict[str, Any]:
    """Ready orders due today or earlier (or with no date: nothing to wait for)."""
    today = datetime.now(UTC).date()
    params = {
        "status": ["ready_to_ship", "partially_shipped"],
        "sort": "promised",
        "due_by": today.isoformat(),
        "limit": ROWS,
    }
    orders, total = await counted(up, "/api/orders", params)
    return {"orders": orders, "total": total, "today": today}


async def _dead_letters(up: Upstream) -> dict[str, Any]:
    """Every service's waiting Kafka dead letters, newest first; a service that does not
    answer is named, and the others still show."""

    async def of(service: str) -> tuple[str, list[Any], int, str | None]:
        path = f"/api/dead-letters/{service}"
        try:
            letters, total = await counted(up, path, {"status": "waiting", "limit": ROWS})
        except UpstreamError as error:
            return service, [], 0, error.detail
        return service, letters, len(letters) if total is None else total, None

    answers = await asyncio.gather(*(of(service) for service in SERVICES))
    letters = [{**x, "owner": service} for service, found, _, _ in answers for x in found]
    letters.sort(key=lambda x: str(x["dead_at"]), reverse=True)
    return {
        "letters": letters[:ROWS],
        "letters_total": sum(total for _, _, total, _ in answers),
        "letters_unreachable": [(service, why) for service, _, _, why in answers if why],
    }


async def _dead(up: Upstream, request: Request) -> dict[str, Any]:
    params = {"status": "dead", "limit": ROWS + 1}
    write_backs, deliveries, letters = await asyncio.gather(
        up.get("/api/write-backs", params=params),
        up.get("/api/webhook-deliveries", params=params),
        _dead_letters(up),
    )
    return {
        **letters,
        "write_backs": write_backs[:ROWS],
        "write_backs_more": len(write_backs) > ROWS,
        "deliveries": deliveries[:ROWS],
        "deliveries_more": len(deliveries) > ROWS,
    }


PANELS: dict[str, Callable[[Upstream, Request], Awaitable[dict[str, Any]]]] = {
    "board": _board,
    **{kind: partial(_exceptions, kind) for kind in EXCEPTIONS},
    "shortages": _shortages,
    "shipments": _shipments,
    "dead": _dead,
}


def template_of(panel: str) -> str:
    return "today/exceptions.html" if panel in EXCEPTIONS else f"today/{panel}.html"


async def _load(up: Upstream, panel: str, request: Request) -> dict[str, Any]:
    """One panel's data, or its error: a refusal or an outage stays inside the panel."""
    try:
        return {"panel": panel, "error": None, **await PANELS[panel](up, request)}
    except UpstreamError as error:
        return {"panel": panel, "error": error.detail}


async def _page(
    request: Request, *, done: str | None, error: str | None, status_code: int = 200
) -> HTMLResponse:
    up = upstream_of(request)
    since = live_since(request)  # before loading: a change while we load is replayed
    loaded = await asyncio.gather(*(_load(up, name, request) for name in PANELS))
    context = {
        "panels": {p["panel"]: p for p in loaded},
        "labels": labels,
        "exceptions": EXCEPTIONS,
        "live_since": since,
        "done": done,
        "error": error,
    }
    return render(request, "today.html", context, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
async def today(request: Request, done: str | None = None) -> HTMLResponse:
    return await _page(request, done=done, error=None)


@router.get("/today/{panel}", response_class=HTMLResponse)
async def today_panel(request: Request, panel: str) -> HTMLResponse:
    """One panel, re-rendered when a live notice says its data changed."""
    if panel not in PANELS:
        raise HTTPException(status_code=404, detail=f"no panel {panel}")
    loaded = await _load(upstream_of(request), panel, request)
    return render(request, template_of(panel), {"p": loaded, "labels": labels})


async def _replay(request: Request, path: str, *, done: str = "replayed") -> Response:
    """Replay through the service that owns it; htmx gets the panel, a form a redirect."""
    up = upstream_of(request)
    try:
        await up.send("POST", path, headers=actor_headers(request))
    except UpstreamError as error:
        if is_fragment(request):
            loaded = {**await _load(up, "dead", request), "refused": error.detail}
            return render(request, "today/dead.html", {"p": loaded, "labels": labels})
        return await _page(request, done=None, error=error.detail, status_code=error.status)
    if is_fragment(request):
        loaded = {**await _load(up, "dead", request), done: True}
        return render(request, "today/dead.html", {"p": loaded, "labels": labels})
    return RedirectResponse(f"/?done={done}", status_code=303)


@router.post("/today/write-backs/{write_back_id}/replay")
async def replay_write_back(request: Request, write_back_id: UUID) -> Response:
    return await _replay(request, f"/api/write-backs/{write_back_id}/replay")


@router.post("/today/webhook-deliveries/{webhook_id}/replay")
async def replay_webhook_delivery(request: Request, webhook_id: str) -> Response:
    return await _replay(request, f"/api/webhook-deliveries/{quote(webhook_id, safe='')}/replay")


@router.post("/today/dead-letters/{service}/{topic}/{partition}/{offset}/replay")
async def replay_dead_letter(
    request: Request, service: str, topic: str, partition: int, offset: int
) -> Response:
    """Send a dead-lettered event back to its topic, through the service that failed it."""
    if service not in SERVICES:
        raise HTTPException(status_code=404, detail=f"no service {service}")
    path = f"/api/dead-letters/{service}/{quote(topic, safe='')}/{partition}/{offset}/replay"
    return await _replay(request, path, done="republished")
