"""Status: every service and the gateway at a glance — alive, ready (each check), consumer
lag, outbox backlog and age, dead letters, webhook deliveries pending. Each process is
asked directly at its own URL, with a short timeout, so one that hangs cannot hang the page."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.service_status import (
    Numbers,
    ProcessStatus,
    numbers,
    readiness,
)
from services.gateway.dashboard.templating import render

router = APIRouter()
RULES: tuple[Rule, ...] = rules(Level.READ, "GET /status")

TIMEOUT_SECONDS = 3.0
log = logging.getLogger(__name__)


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response | None:
    try:
        return await client.get(url, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError:
        return None


def _json(answer: httpx.Response | None) -> Any:
    if answer is None:
        return None
    try:
        return answer.json()
    except ValueError:
        return None


async def _gateway_numbers(request: Request) -> Numbers:
    """The gateway's own metrics, rendered in-process (its /metrics needs a signed-in caller)."""
    metrics = getattr(request.app.state, "metrics", None)
    render_metrics = getattr(metrics, "render", None)
    if render_metrics is None:
        return Numbers(problem="no metrics")
    text = await render_metrics()
    return numbers(text.decode() if isinstance(text, bytes) else str(text))


async def _process(
    request: Request, client: httpx.AsyncClient, name: str, base: str
) -> ProcessStatus:
    alive, ready, scraped = await asyncio.gather(
        _get(client, f"{base}/healthz"),
        _get(client, f"{base}/readyz"),
        _get(client, f"{base}/metrics") if name != "gateway" else asyncio.sleep(0),
    )
    if name == "gateway":
        found = await _gateway_numbers(request)
    elif scraped is None:
        found = Numbers(problem="unreachable")
    elif scraped.status_code != 200:
        found = Numbers(problem=f"no /metrics ({scraped.status_code})")
    else:
        found = numbers(scraped.text)
    checked = readiness(None if ready is None else ready.status_code, _json(ready))
    for check in checked.checks:
        if check.raw != check.detail:  # the page shows its kind; the raw text goes here only
            log.warning("%s: readiness check %s failed: %s", name, check.name, check.raw)
    return ProcessStatus(
        name=name,
        alive=None if alive is None else alive.status_code == 200,
        readiness=checked,
        numbers=found,
    )


@router.get("/status", response_class=HTMLResponse)
async def status(request: Request) -> Response:
    upstream = upstream_of(request)
    urls = dict(upstream.urls)
    settings = getattr(request.app.state, "settings", None)
    if settings is not None:
        urls["gateway"] = f"http://127.0.0.1:{settings.ports.gateway}"
    processes = await asyncio.gather(
        *(_process(request, upstream.client, name, base) for name, base in urls.items())
    )
    return render(request, "status.html", {"processes": processes})
