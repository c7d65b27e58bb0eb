"""Channels: the shops and their state, webhook deliveries and dead write-backs with replay,
stock-sync drift, and each shop's SKU mapping editor. Creating shops and their secrets stays
with admins (the admin pages); mappings and replays are operators' work. Outbound webhooks
(issue 17): the subscriptions, a notice for each one disabled after repeated failures, its
recent dead deliveries, and — for admins — enable again and replay. Minimum remaining shelf
life (issue 17 §2): the rules per channel and customer, set and deleted by operators. A
WooCommerce store's or Amazon seller's page adds its channel's state; connecting, reconciling,
polling and re-authorising are in ``channel_accounts``."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import channel_accounts as accounts
from services.gateway.dashboard.paging import page_or_refusal, page_url
from services.gateway.dashboard.screen import notice_of, see_other, upstream_of
from services.gateway.dashboard.templating import render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = (
    *rules(Level.READ, "GET /channels", "GET /channels/shops/{domain}"),
    *rules(
        Level.WRITE,
        "POST /channels/webhook-deliveries/{webhook_id}/replay",
        "POST /channels/write-backs/{write_back_id}/replay",
        "POST /channels/shops/{domain}/sku-mappings",
        "POST /channels/shops/{domain}/sku-mappings/{sku}/delete",
        # minimum remaining shelf life per channel or customer (issue 17 §2)
        "POST /channels/shelf-life-rules",
        "POST /channels/shelf-life-rules/{scope}/{key}/delete",
    ),
    # Outbound webhooks: who hears about our orders is the admins' to decide.
    *rules(
        Level.ADMIN,
        "POST /channels/outbound-webhooks/{subscription_id}/enable",
        "POST /channels/outbound-webhook-deliveries/{delivery_id}/replay",
    ),
)


async def _reconciliation(request: Request, domain: str) -> Any:
    """The shop's last reconciliation; None when it never ran (or the service says no)."""
    try:
        return await upstream_of(request).get(f"/api/shops/{quote(domain, safe='')}/reconciliation")
    except UpstreamError:
        return None


async def _channels_page(
    request: Request,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    connect_form: dict[str, str] | None = None,
) -> Response:
    errors: list[str] = [error] if error else []
    shops: list[Any] = []
    try:
        shops = await upstream_of(request).get("/api/shops")
    except UpstreamError as refused:
        errors.append(refused.detail)
    runs = await asyncio.gather(*(_reconciliation(request, s["domain"]) for s in shops))
    hooks: list[Any] = []
    try:
        hooks = await upstream_of(request).get("/api/outbound-webhooks")
    except UpstreamError as refused:
        errors.append(refused.detail)
    shelf_life: list[Any] = []
    try:
        shelf_life = await upstream_of(request).get("/api/shelf-life-rules")
    except UpstreamError as refused:
        errors.append(refused.detail)
    context = {
        "connect_form": connect_form or {},
        "regions": accounts.REGIONS,
        "shelf_life": shelf_life,
        "shelf_life_form": form or {},
        "shops": list(zip(shops, runs, strict=True)),
        "dead_deliveries": await page_or_refusal(
            errors,
            request,
            "/api/webhook-deliveries",
            size=10,
            params={"status": "dead"},
            name="dd_offset",
        ),
        "deliveries": await page_or_refusal(errors, request, "/api/webhook-deliveries"),
        "dead_write_backs": await page_or_refusal(
            errors,
            request,
            "/api/write-backs",
            size=10,
            params={"status": "dead"},
            name="wb_offset",
        ),
        "stock_sync": await page_or_refusal(
            errors,
            request,
            "/api/stock-sync",
            name="sync_offset",
        ),
        "hooks": hooks,
        "disabled_hooks": [h for h in hooks if not h["enabled"]],
        "dead_hook_deliveries": await page_or_refusal(
            errors,
            request,
            "/api/outbound-webhooks/deliveries",
            size=10,
            params={"status": "dead"},
            name="hd_offset",
        ),
    }
    return render(
        request,
        "channels.html",
        {
            **context,
            "errors": errors,
            "notice": notice_of(request),
            "page_url": page_url,
            "quote": quote,
        },
        status_code=status_code,
    )


@router.get("/channels", response_class=HTMLResponse)
async def channels(request: Request) -> Response:
    return await _channels_page(request)


async def _shop_page(
    request: Request,
    domain: str,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors: list[str] = [error] if error else []
    shop = None
    try:
        shops = await upstream_of(request).get("/api/shops")
        shop = next((s for s in shops if s["domain"] == domain), None)
    except UpstreamError as refused:
        errors.append(refused.detail)
    if shop is None and not errors:
        errors.append(f"unknown shop {domain}")
    mappings = await page_or_refusal(
        errors,
        request,
        f"/api/shops/{quote(domain, safe='')}/sku-mappings",
        size=50,
    )
    return render(
        request,
        "channels_shop.html",
        {
            "domain": domain,
            "shop": shop,
            "run": await _reconciliation(request, domain) if shop else None,
            **(await accounts.state_of(request, shop, errors) if shop else accounts.NO_STATE),
            "mappings": mappings,
            "form": form or {},
            "errors": errors,
            "notice": notice_of(request),
            "page_url": page_url,
            "quote": quote,
        },
        status_code=404 if shop is None and status_code == 200 else status_code,
    )


@router.get("/channels/shops/{domain}", response_class=HTMLResponse)
async def shop(domain: str, request: Request) -> Response:
    return await _shop_page(request, domain)


async def _act_then_list(
    request: Request, path: str, notice: str, *, method: str = "POST"
) -> Response:
    """``method`` ``path`` at the service: back to the Channels page with ``notice``, or the
    page again with the service's refusal."""
    try:
        await upstream_of(request).send(method, path)
    except UpstreamError as refused:
        return await _channels_page(request, error=refused.detail, status_code=refused.status)
    return see_other("/channels", notice)


@router.post("/channels/webhook-deliveries/{webhook_id}/replay")
async def replay_delivery(webhook_id: str, request: Request) -> Response:
    """A dead delivery goes back to pending; the service answers 409 when it is not dead."""
    return await _act_then_list(
        request, f"/api/webhook-deliveries/{quote(webhook_id, safe='')}/replay", "replayed"
    )


@router.post("/channels/write-backs/{write_back_id}/replay")
async def replay_write_back(write_back_id: str, request: Request) -> Response:
    return await _act_then_list(
        request, f"/api/write-backs/{quote(write_back_id, safe='')}/replay", "replayed"
    )


@router.post("/channels/shops/{domain}/sku-mappings")
async def map_sku(domain: str, request: Request) -> Response:
    """Add a mapping or replace the item an existing SKU maps to (held orders are released)."""
    raw = await request.form()
    form = {k: str(raw.get(k, "")).strip() for k in ("sku", "item_code")}
    if not form["sku"] or not form["item_code"]:
        return await _shop_page(
            request, domain, error="give both a SKU and an item code", form=form, status_code=422
        )
    path = f"/api/shops/{quote(domain, safe='')}/sku-mappings/{quote(form['sku'], safe='')}"
    try:
        await upstream_of(request).send("PUT", path, json={"item_code": form["item_code"]})
    except UpstreamError as refused:
        return await _shop_page(
            request, domain, error=refused.detail, form=form, status_code=refused.status
        )
    return see_other(f"/channels/shops/{quote(domain, safe='')}", "mapped")


@router.post("/channels/shops/{domain}/sku-mappings/{sku}/delete")
async def unmap_sku(domain: str, sku: str, request: Request) -> Response:
    path = f"/api/shops/{quote(domain, safe='')}/sku-mappings/{quote(sku, safe='')}"
    try:
        await upstream_of(request).send("DELETE", path)
    except UpstreamError as refused:
        return await _shop_page(request, domain, error=refused.detail, status_code=refused.status)
    return see_other(f"/channels/shops/{quote(domain, safe='')}", "unmapped")


@router.post("/channels/outbound-webhooks/{subscription_id}/enable")
async def enable_outbound_webhook(subscription_id: str, request: Request) -> Response:
    """Send again to a subscription disabled after repeated failures (or by hand)."""
    return await _act_then_list(
        request,
        f"/api/outbound-webhooks/{quote(subscription_id, safe='')}/enable",
        "webhook_enabled",
    )


@router.post("/channels/outbound-webhook-deliveries/{delivery_id}/replay")
async def replay_outbound_webhook(delivery_id: str, request: Request) -> Response:
    return await _act_then_list(
        request,
        f"/api/outbound-webhooks/deliveries/{quote(delivery_id, safe='')}/replay",
        "replayed",
    )


SHELF_LIFE_FIELDS = ("scope", "key", "min_days", "min_fraction")


@router.post("/channels/shelf-life-rules")
async def set_shelf_life_rule(request: Request) -> Response:
    """Set or replace the minimum shelf life of a channel or a customer; the inventory
    service checks the numbers and its refusal is shown with the form kept."""
    raw = await request.form()
    form = {k: str(raw.get(k, "")).strip() for k in SHELF_LIFE_FIELDS}
    if form["scope"] not in ("channel", "customer") or not form["key"]:
        return await _channels_page(
            request, error="give a channel or a customer", form=form, status_code=422
        )
    if not form["min_days"] and not form["min_fraction"]:
        return await _channels_page(
            request, error="give days, a fraction or both", form=form, status_code=422
        )
    if form["min_days"] and not form["min_days"].isdigit():
        return await _channels_page(
            request, error="days must be a whole number", form=form, status_code=422
        )
    body = {
        "min_days": int(form["min_days"]) if form["min_days"] else None,
        "min_fraction": form["min_fraction"] or None,
    }
    path = f"/api/shelf-life-rules/{form['scope']}/{quote(form['key'], safe='')}"
    try:
        await upstream_of(request).send("PUT", path, json=body)
    except UpstreamError as refused:
        return await _channels_page(
            request, error=refused.detail, form=form, status_code=refused.status
        )
    return see_other("/channels", "shelf_life_set")


@router.post("/channels/shelf-life-rules/{scope}/{key}/delete")
async def delete_shelf_life_rule(scope: str, key: str, request: Request) -> Response:
    path = f"/api/shelf-life-rules/{quote(scope, safe='')}/{quote(key, safe='')}"
    return await _act_then_list(request, path, "shelf_life_deleted", method="DELETE")
