"""Stock: items with on hand / reserved / available, quarantined lots, reorder suggestions,
purchase orders and goods receipt; one item's lots with their expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.paging import page_or_refusal, page_url
from services.gateway.dashboard.screen import notice_of, see_other, upstream_of
from services.gateway.dashboard.templating import render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /stock", "GET /stock/{item_code}"),
    *rules(
        Level.WRITE,
        "POST /stock/suggestions/{suggestion_id}/accept",
        "POST /stock/suggestions/{suggestion_id}/dismiss",
        "POST /stock/receipts",
    ),
)

SOON_DAYS = 30
RECEIPT_FIELDS = (
    "item_code",
    "quantity",
    "unit",
    "supplier",
    "supplier_lot_code",
    "expires_on",
    "cost_amount",
    "cost_currency",
    "purchase_order_id",
)


def expiry_state(expires_on: str | None, *, today: date, on_hand: Any = None) -> str:
    """``expired``, ``soon`` (within 30 days) or ``""``: how a lot's row is marked. An empty
    lot (nothing on hand) is marked by nothing: there is nothing left to expire."""
    if not expires_on or _is_empty(on_hand):
        return ""
    on = date.fromisoformat(expires_on)
    if on < today:
        return "expired"
    return "soon" if on <= today + timedelta(days=SOON_DAYS) else ""


def _is_empty(on_hand: Any) -> bool:
    try:
        return on_hand is not None and Decimal(str(on_hand)) <= 0
    except InvalidOperation:
        return False


async def _received_lot(request: Request, item_code: str) -> str | None:
    """The lot a receipt just made (named by the redirect), once inventory lists it under
    this item: never text from the address shown as is."""
    code = request.query_params.get("lot", "")
    if request.query_params.get("notice") != "received" or not code:
        return None
    try:
        found = await upstream_of(request).get(
            "/api/lots", params={"item_code": item_code, "q": code, "limit": 5}
        )
    except UpstreamError:
        return None
    return code if any(lot.get("lot_code") == code for lot in found) else None


async def _stock_page(
    request: Request,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors: list[str] = [error] if error else []
    context = {
        "items": await page_or_refusal(errors, request, "/api/stock"),
        "quarantined": await page_or_refusal(
            errors,
            request,
            "/api/lots",
            size=10,
            params={"blocked": "true"},
            name="q_offset",
        ),
        "suggestions": await page_or_refusal(
            errors,
            request,
            "/api/suggestions",
            size=10,
            params={"status": "open"},
            name="s_offset",
        ),
        "purchase_orders": await page_or_refusal(
            errors,
            request,
            "/api/purchase-orders",
            size=10,
            params={"status": "open"},
            name="po_offset",
        ),
    }
    return render(
        request,
        "stock.html",
        {
            **context,
            "page_url": page_url,
            "errors": errors,
            "notice": notice_of(request),
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/stock", response_class=HTMLResponse)
async def stock(request: Request) -> Response:
    return await _stock_page(request)


@router.get("/stock/{item_code}", response_class=HTMLResponse)
async def item_stock(item_code: str, request: Request) -> Response:
    """The item's lots, oldest first, each marked by its expiry."""
    errors: list[str] = []
    item = None
    try:
        item = await upstream_of(request).get(f"/api/items/{item_code}")
    except UpstreamError as error:
        errors.append(error.detail)
    lots = await page_or_refusal(errors, request, "/api/lots", params={"item_code": item_code})
    today = datetime.now(UTC).date()
    return render(
        request,
        "stock_item.html",
        {
            "item_code": item_code,
            "item": item,
            "lots": lots,
            "state": lambda lot: expiry_state(
                lot.get("expires_on"), today=today, on_hand=lot.get("on_hand")
            ),
            "received": await _received_lot(request, item_code),
            "page_url": page_url,
            "errors": errors,
        },
        status_code=404 if item is None and lots is None else 200,
    )


async def _decide(request: Request, suggestion_id: str, decision: str) -> Response:
    try:
        await upstream_of(request).send("POST", f"/api/suggestions/{suggestion_id}/{decision}")
    except UpstreamError as refused:
        return await _stock_page(request, error=refused.detail, status_code=refused.status)
    return see_other("/stock", "accepted" if decision == "accept" else "dismissed")


@router.post("/stock/suggestions/{suggestion_id}/accept")
async def accept_suggestion(suggestion_id: str, request: Request) -> Response:
    """A bought item gets a purchase order, a made one a production order."""
    return await _decide(request, suggestion_id, "accept")


@router.post("/stock/suggestions/{suggestion_id}/dismiss")
async def dismiss_suggestion(suggestion_id: str, request: Request) -> Response:
    return await _decide(request, suggestion_id, "dismiss")


def receipt_body(form: dict[str, str]) -> dict[str, Any]:
    """The goods receipt the form describes; empty optional fields are left out."""
    body: dict[str, Any] = {
        key: form[key].strip()
        for key in ("item_code", "quantity", "unit", "supplier", "supplier_lot_code")
    }
    for key in ("expires_on", "purchase_order_id"):
        if form.get(key, "").strip():
            body[key] = form[key].strip()
    if form.get("cost_amount", "").strip():
        body["cost"] = {
            "amount": form["cost_amount"].strip(),
            "currency": (form.get("cost_currency") or "EUR").strip().upper(),
        }
    return body


@router.post("/stock/receipts")
async def receive_goods(request: Request) -> Response:
    raw = await request.form()
    form = {key: str(raw.get(key, "")) for key in RECEIPT_FIELDS}
    try:
        answer = await upstream_of(request).send("POST", "/api/receipts", json=receipt_body(form))
    except UpstreamError as refused:
        return await _stock_page(
            request, error=refused.detail, form=form, status_code=refused.status
        )
    lot = quote(str(answer["lot_code"]), safe="")
    return see_other(f"/stock/{quote(str(answer['item_code']), safe='')}?lot={lot}", "received")
