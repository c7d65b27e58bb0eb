"""Etsy use cases: connect a shop (OAuth 2 with PKCE), accept the ``order.paid`` webhook."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository as connectors_repository
from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.etsy import pkce, poller, repository, webhook
from services.connectors.etsy.budget import etsy_api
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.receipts import CHANNEL
from services.connectors.run_locks import one_at_a_time
from services.connectors.service import ConnectorError, ShopExists, UnknownShop


class NotConfigured(ConnectorError):
    """The Etsy app's keystring and shared secret are not set."""


class AuthorizationFailed(ConnectorError):
    """The OAuth callback cannot complete (unknown or expired state, refused code)."""


def domain_of(shop_id: str) -> str:
    """The shop's name among Lotline's shops: orders and SKU mappings are filed under it."""
    return f"etsy-{shop_id}"


async def connect_shop(engine: AsyncEngine, *, shop_id: str, poll_on_webhook: bool) -> Any:
    """Register the shop; it is polled once it has tokens (after the OAuth callback)."""
    domain = domain_of(shop_id)
    async with engine.begin() as conn:
        # Etsy signs webhooks per app, not per shop: the shop's own secret is never used,
        # and is random so nobody can sign a Shopify-style webhook for this shop.
        added = await connectors_repository.insert_shop(
            conn, domain=domain, channel=CHANNEL, secret=secrets.token_hex(32)
        )
        if not added or not await repository.insert_shop(
            conn, shop_id=shop_id, domain=domain, poll_on_webhook=poll_on_webhook
        ):
            raise ShopExists(f"shop {domain} is already registered")
        return await repository.shop(conn, shop_id)


async def shop(engine: AsyncEngine, shop_id: str) -> Any:
    async with engine.connect() as conn:
        row = await repository.shop(conn, shop_id)
    if row is None:
        raise UnknownShop(f"unknown Etsy shop {shop_id}")
    return row


async def receipts(
    engine: AsyncEngine, shop_id: str, *, outcome: str | None, limit: int
) -> list[Any]:
    await shop(engine, shop_id)
    async with engine.connect() as conn:
        return list(await repository.list_receipts(conn, shop_id, outcome=outcome, limit=limit))


async def start_authorization(
    engine: AsyncEngine, shop_id: str, settings: EtsySettings
) -> tuple[str, str]:
    """The URL the seller opens to grant access, and its state."""
    if not settings.configured:
        raise NotConfigured("set LOTLINE_CONNECTORS__ETSY__KEYSTRING and __SHARED_SECRET")
    await shop(engine, shop_id)
    state, verifier = pkce.new_state(), pkce.new_verifier()
    async with engine.begin() as conn:
        await repository.save_oauth_state(
            conn,
            state=state,
            shop_id=shop_id,
            verifier=verifier,
            redirect_uri=settings.redirect_uri,
        )
    url = pkce.authorize_url(
        settings.authorize_url,
        keystring=settings.keystring,
        redirect_uri=settings.redirect_uri,
        state=state,
        verifier=verifier,
    )
    return url, state


async def finish_authorization(
    engine: AsyncEngine, http: httpx.AsyncClient, settings: EtsySettings, *, code: str, state: str
) -> str:
    """Exchange the code (with the state's verifier) for the shop's tokens; the shop id."""
    async with engine.begin() as conn:
        pending = await repository.take_oauth_state(
            conn, state, ttl_seconds=settings.oauth_state_ttl_seconds
        )
    if pending is None:
        raise AuthorizationFailed("unknown, used or expired OAuth state")
    api = etsy_api(engine, http, settings)
    try:
        grant = await api.exchange_code(
            code=code, verifier=pending.code_verifier, redirect_uri=pending.redirect_uri
        )
    except AdminError as error:
        raise AuthorizationFailed(f"Etsy refused the authorization code: {error}") from error
    async with engine.begin() as conn:
        await repository.save_tokens(
            conn,
            pending.shop_id,
            access_token=grant.access_token,
            expires_at=grant.expires_at,
            refresh_token=grant.refresh_token,
        )
    return str(pending.shop_id)


async def accept_webhook(
    engine: AsyncEngine, settings: EtsySettings, body: bytes, headers: dict[str, str | None]
) -> str | None:
    """Verify and read a delivery; the shop to poll now, or None (other events, shops
    not polled on webhooks). Raises ``webhook.BadWebhook``."""
    secret = settings.webhook_signing_secret.get_secret_value()
    if not secret:
        raise webhook.BadWebhook(401, "no Etsy webhook signing secret is configured")
    webhook.verify(
        body,
        secret=secret,
        webhook_id=headers.get("webhook-id"),
        timestamp=headers.get("webhook-timestamp"),
        signature=headers.get("webhook-signature"),
        now=time.time(),
    )
    _, paid = webhook.read_event(body)
    if paid is None:
        return None
    async with engine.connect() as conn:
        row = await repository.shop(conn, paid.shop_id)
    if row is None or not row.poll_on_webhook:
        return None
    return str(row.shop_id)


class PollFailed(ConnectorError):
    """Etsy could not be read within the retry budget; the watermark did not move."""


async def poll_now(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    settings: EtsySettings,
    retries: WriteBackSettings,
    shop_id: str,
) -> poller.PollResult:
    """One poll of the shop, answered when done (for operators and tests)."""
    if not settings.configured:
        raise NotConfigured("set LOTLINE_CONNECTORS__ETSY__KEYSTRING and __SHARED_SECRET")
    await shop(engine, shop_id)
    try:
        async with one_at_a_time(engine, f"etsy-poll:{shop_id}", wait=True):
            api = etsy_api(engine, http, settings)
            return await poller.poll_shop(engine, api, shop_id, settings=settings, retries=retries)
    except AdminError as error:
        raise PollFailed(f"Etsy shop {shop_id}: {error}") from error
