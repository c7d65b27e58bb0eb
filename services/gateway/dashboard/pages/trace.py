"""Traceability and recall: search a lot, an order or a supplier's lot and read the trace as
a tree; preview who a recall reaches before issuing it; the recalls and their reports."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import recall_preview_csv
from services.gateway.dashboard.i18n import translate
from services.gateway.dashboard.paging import fetch_page, offset_of, page_url
from services.gateway.dashboard.screen import notice_of, see_other, upstream_of
from services.gateway.dashboard.templating import language_of, render
from services.gateway.dashboard.trace_tree import tree
from services.gateway.dashboard.upstream import Upstream, UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = (
    *rules(
        Level.READ,
        "GET /trace",
        "GET /trace/recall",
        "GET /trace/recall/export.csv",
        "GET /trace/recalls/{recall_id}",
        "GET /trace/recalls/{recall_id}/export.csv",
        "GET /trace/recalls/{recall_id}/report.pdf",
    ),
    *rules(Level.WRITE, "POST /trace/recalls"),
)


def _search(request: Request) -> dict[str, str]:
    q = request.query_params
    return {key: q.get(key, "").strip() for key in ("lot", "order", "supplier", "supplier_lot")}


def _trace_paths(search: dict[str, str]) -> list[str]:
    """What to ask for a search: a lot both ways, an order backward, a supplier lot forward."""
    if search["lot"]:
        lot = quote(search["lot"], safe="")
        return [f"/api/trace/lots/{lot}/backward", f"/api/trace/lots/{lot}/forward"]
    if search["order"]:
        try:
            return [f"/api/trace/orders/{UUID(search['order'])}/backward"]
        except ValueError:
            return []
    if search["supplier"] and search["supplier_lot"]:
        supplier, code = (quote(search[k], safe="") for k in ("supplier", "supplier_lot"))
        return [f"/api/trace/suppliers/{supplier}/lots/{code}/forward"]
    return []


async def _order_id_of(upstream: Upstream, typed: str, errors: list[str], language: str) -> str:
    """An order named as people name it (its number, its customer): its id when exactly one
    order matches; otherwise say so and trace nothing."""
    try:
        found = await upstream.get("/api/orders", params={"q": typed, "limit": 2})
    except UpstreamError as error:
        errors.append(error.detail)
        return ""
    if len(found) == 1:
        return str(found[0]["id"])
    errors.append(
        translate(language, "No order matches “{typed}”.")
        if not found
        else translate(language, "“{typed}” matches several orders: type more of its number.")
    )
    errors[-1] = errors[-1].format(typed=typed)
    return ""


@router.get("/trace", response_class=HTMLResponse)
async def trace(request: Request) -> Response:
    search = _search(request)
    upstream = upstream_of(request)
    errors: list[str] = []
    if search["order"] and not _trace_paths(search):
        search["order"] = await _order_id_of(
            upstream, search["order"], errors, language_of(request)
        )
    traces = []
    for path in _trace_paths(search):
        try:
            answer = await upstream.get(path)
        except UpstreamError as error:
            errors.append(error.detail)
            continue
        traces.append({"direction": answer["direction"], "tree": tree(answer), "raw": answer})
    recalls = None
    try:
        recalls = await fetch_page(
            upstream, "/api/trace/recalls", offset=offset_of(request), size=10
        )
    except UpstreamError as error:
        errors.append(error.detail)
    recallable = bool(search["lot"] or (search["supplier"] and search["supplier_lot"]))
    return render(
        request,
        "trace.html",
        {
            "search": search,
            "traces": traces,
            "recalls": recalls,
            "page_url": page_url,
            "errors": errors,
            "recall_query": urlencode({k: v for k, v in search.items() if v and k != "order"}),
            "recallable": recallable,
        },
    )


async def _preview(
    request: Request,
    search: dict[str, str],
    *,
    reason: str = "",
    error: str | None = None,
    confirming: bool = False,
) -> Response:
    """The forward trace of what would be recalled: every lot, shipment and customer."""
    paths = [p for p in _trace_paths(search) if p.endswith("/forward")]
    errors = [error] if error else []
    affected = None
    if not paths:
        errors.append(
            translate(
                language_of(request), "Give a lot code, or a supplier and the supplier's lot code."
            )
        )
    else:
        try:
            affected = await upstream_of(request).get(paths[0])
        except UpstreamError as refused:
            errors.append(refused.detail)
    return render(
        request,
        "trace_recall.html",
        {
            "search": search,
            "affected": affected,
            "tree": tree(affected) if affected else None,
            "reason": reason,
            "errors": errors,
            "confirming": confirming and affected is not None,
        },
        status_code=422 if error else 200,
    )


@router.get("/trace/recall", response_class=HTMLResponse)
async def recall_preview(request: Request) -> Response:
    return await _preview(request, _search(request))


@router.get("/trace/recall/export.csv")
async def recall_preview_export(request: Request) -> Response:
    """What the preview shows, as a CSV file, before anything is issued."""
    search = _search(request)
    paths = [p for p in _trace_paths(search) if p.endswith("/forward")]
    if not paths:
        return await _preview(request, search)
    try:
        affected = await upstream_of(request).get(paths[0])
    except UpstreamError:
        return await _preview(request, search)
    disposition = f'attachment; filename="{recall_preview_csv.file_name(search)}"'
    return Response(
        recall_preview_csv.text(affected),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.post("/trace/recalls")
async def issue_recall(request: Request) -> Response:
    """Issue the recall previewed: the lots are blocked and open orders on them held. Only
    with ``confirmed=yes``: the first press shows what it reaches once more and asks."""
    form = await request.form()
    search = {k: str(form.get(k, "")).strip() for k in ("lot", "supplier", "supplier_lot")}
    search["order"] = ""
    reason = str(form.get("reason", "")).strip()
    body: dict[str, Any] = {"reason": reason}
    if search["lot"]:
        body["lot_code"] = search["lot"]
    else:
        body["supplier"], body["supplier_lot_code"] = search["supplier"], search["supplier_lot"]
    if not reason:
        needed = translate(language_of(request), "A recall needs a reason.")
        return await _preview(request, search, error=needed)
    if form.get("confirmed") != "yes":
        return await _preview(request, search, reason=reason, confirming=True)
    try:
        issued = await upstream_of(request).send("POST", "/api/trace/recalls", json=body)
    except UpstreamError as refused:
        return await _preview(request, search, reason=reason, error=refused.detail)
    return see_other(f"/trace/recalls/{issued['recall_id']}", "recalled")


@router.get("/trace/recalls/{recall_id}", response_class=HTMLResponse)
async def recall_detail(recall_id: UUID, request: Request) -> Response:
    try:
        recall = await upstream_of(request).get(f"/api/trace/recalls/{recall_id}")
    except UpstreamError as refused:
        return render(
            request,
            "trace_recall_detail.html",
            {"recall": None, "errors": [refused.detail], "notice": None, "tree": None},
            status_code=refused.status if refused.status < 500 else 502,
        )
    return render(
        request,
        "trace_recall_detail.html",
        {
            "recall": recall,
            "tree": tree(recall["trace"]),
            "errors": [],
            "notice": notice_of(request),
        },
    )


async def _download(request: Request, path: str) -> Response:
    """The trace service's file, streamed as it comes, with its own type and file name."""
    upstream = upstream_of(request)
    client = upstream.client
    outgoing = client.build_request("GET", f"{upstream.urls['trace']}{path}")
    try:
        answer = await client.send(outgoing, stream=True)
    except httpx.HTTPError as error:  # the page says so, never a 500
        return Response(f"trace service unavailable ({type(error).__name__})", status_code=503)
    if not answer.is_success:
        body = await answer.aread()
        await answer.aclose()
        return Response(body, status_code=answer.status_code, media_type="text/plain")
    headers = {
        k: v
        for k, v in answer.headers.items()
        if k.lower() in ("content-type", "content-disposition", "content-length")
    }

    async def chunks() -> Any:
        try:
            async for chunk in answer.aiter_bytes():
                yield chunk
        finally:
            await answer.aclose()

    return StreamingResponse(chunks(), headers=headers)


@router.get("/trace/recalls/{recall_id}/export.csv")
async def recall_csv(recall_id: UUID, request: Request) -> Response:
    return await _download(request, f"/api/trace/recalls/{recall_id}/export.csv")


@router.get("/trace/recalls/{recall_id}/report.pdf")
async def recall_pdf(recall_id: UUID, request: Request) -> Response:
    language = language_of(request)  # the report in the reader's language
    return await _download(request, f"/api/trace/recalls/{recall_id}/report.pdf?lang={language}")
