"""WooCommerce stores and Amazon sellers from the Channels screens (issues 17 §3 and 19):
admins connect them and give an Amazon seller new credentials; operators reconcile a store
or poll a seller now. Every write goes to the connectors' API; a refusal is shown in its
words with the form kept — all but the secrets, which are never written into a page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard import channel_accounts as accounts
from services.gateway.dashboard.pages.channels import _channels_page, _shop_page
from services.gateway.dashboard.screen import see_other, upstream_of
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = (
    *rules(
        Level.WRITE,
        "POST /channels/shops/{domain}/reconcile",
        "POST /channels/shops/{domain}/poll",
    ),
    # Connecting a channel hands Lotline its secrets: the admins' decision, as for shops.
    *rules(
        Level.ADMIN,
        "POST /channels/woocommerce-stores",
        "POST /channels/amazon-sellers",
        "POST /channels/shops/{domain}/authorisation",
    ),
)
FILL_IN = "fill in every field"


async def _refused(
    request: Request, error: str, status: int, form: dict[str, str], kind: str
) -> Response:
    return await _channels_page(
        request, error=error, status_code=status, connect_form={**form, "kind": kind}
    )


@router.post("/channels/woocommerce-stores")
async def connect_store(request: Request) -> Response:
    """Register a store with its REST API keys and webhook secret; its page shows the
    webhook path to paste into WooCommerce."""
    form, secrets = accounts.split_form(
        await request.form(), accounts.WOO_FIELDS, accounts.WOO_SECRETS
    )
    if accounts.missing(form, secrets):
        return await _refused(request, FILL_IN, 422, form, "woocommerce")
    try:
        await upstream_of(request).send("POST", "/api/woocommerce/stores", json={**form, **secrets})
    except UpstreamError as refused:
        return await _refused(request, refused.detail, refused.status, form, "woocommerce")
    return see_other(accounts.shop_url(form["shop"]), "store_connected")


@router.post("/channels/amazon-sellers")
async def connect_seller(request: Request) -> Response:
    form, secrets = accounts.split_form(
        await request.form(), accounts.AMAZON_FIELDS, accounts.AMAZON_SECRETS
    )
    if accounts.missing(form, secrets):
        return await _refused(request, FILL_IN, 422, form, "amazon")
    if form["region"] not in accounts.REGIONS:
        return await _refused(request, "region must be na, eu or fe", 422, form, "amazon")
    body: dict[str, Any] = {
        **form,
        **secrets,
        "marketplace_ids": accounts.marketplaces(form["marketplace_ids"]),
    }
    try:
        seller = await upstream_of(request).send("POST", "/api/amazon/sellers", json=body)
    except UpstreamError as refused:
        return await _refused(request, refused.detail, refused.status, form, "amazon")
    return see_other(accounts.shop_url(seller["domain"]), "seller_connected")


@router.post("/channels/shops/{domain}/reconcile")
async def reconcile_store(domain: str, request: Request) -> Response:
    """Read every order changed since the store's watermark, now; a failed run keeps the
    watermark and its error shows on the page."""
    try:
        run = await upstream_of(request).send("POST", f"{accounts.store_path(domain)}/reconcile")
    except UpstreamError as refused:
        return await _shop_page(request, domain, error=refused.detail, status_code=refused.status)
    notice = "reconcile_failed" if run and run.get("error") else "reconciled"
    return see_other(accounts.shop_url(domain), notice)


@router.post("/channels/shops/{domain}/poll")
async def poll_seller(domain: str, request: Request) -> Response:
    path = f"{accounts.seller_path(accounts.seller_of(domain))}/poll"
    try:
        await upstream_of(request).send("POST", path)
    except UpstreamError as refused:
        return await _shop_page(request, domain, error=refused.detail, status_code=refused.status)
    return see_other(accounts.shop_url(domain), "polled")


@router.post("/channels/shops/{domain}/authorisation")
async def authorise_seller(domain: str, request: Request) -> Response:
    """New Login with Amazon credentials after the seller authorised the app again: a
    revocation is cleared."""
    form, secrets = accounts.split_form(
        await request.form(), ("lwa_client_id",), accounts.AMAZON_SECRETS
    )
    if accounts.missing(form, secrets):
        return await _shop_page(request, domain, error=FILL_IN, status_code=422)
    path = f"{accounts.seller_path(accounts.seller_of(domain))}/authorisation"
    try:
        await upstream_of(request).send("PUT", path, json={**form, **secrets})
    except UpstreamError as refused:
        return await _shop_page(request, domain, error=refused.detail, status_code=refused.status)
    return see_other(accounts.shop_url(domain), "reauthorised")
