"""Costs: the month's cost of goods, revenue and margin per channel, computed by the orders
service (``GET /api/orders/costs``), with the accountant's CSV one link away."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter(include_in_schema=False)
RULES: tuple[Rule, ...] = rules(Level.READ, "GET /costs")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@router.get("/costs", response_class=HTMLResponse)
async def costs(request: Request, month: str = "") -> HTMLResponse:
    """``month``: ``2026-12``; this month (UTC) when missing or not a month."""
    if not MONTH.match(month):
        month = f"{datetime.now(UTC):%Y-%m}"
    context = {"month": month, "rows": None, "error": None}
    try:
        context["rows"] = await upstream_of(request).get(
            "/api/orders/costs", params={"month": month}
        )
    except UpstreamError as refused:
        return render(request, "costs.html", {**context, "error": refused.detail}, status_code=502)
    return render(request, "costs.html", context)
