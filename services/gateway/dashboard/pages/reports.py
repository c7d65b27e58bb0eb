"""Reports: a few numbers a maker watches — on-time rate over 30 days, the open backlog,
orders per channel per day over 14, the median time from order to ready-to-ship — computed
by the orders service (``GET /api/orders/report``), drawn here as inline SVG."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.report_view import report_charts
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import language_of, render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = rules(Level.READ, "GET /reports")


@router.get("/reports", response_class=HTMLResponse)
async def reports(request: Request) -> HTMLResponse:
    try:
        report = await upstream_of(request).get("/api/orders/report")
    except UpstreamError as refused:
        context = {"report": None, "charts": None, "error": refused.detail}
        return render(request, "reports.html", context, status_code=502)
    charts = report_charts(report, language_of(request))
    return render(request, "reports.html", {"report": report, "charts": charts, "error": None})
