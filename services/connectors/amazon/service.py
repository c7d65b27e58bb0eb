"""Amazon use cases: connect a seller (its Login with Amazon credentials), authorise it
again, poll it now, list the orders seen and the FBA sales."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import repository as connectors_repository
from services.connectors.amazon import poller, repository
from services.connectors.amazon.client import SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.lifecycle import is_sold
from services.connectors.amazon.orders import CHANNEL
from services.connectors.amazon.ratelimit import process_limiter
from services.connectors.amazon.worker import run_lock
from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.run_locks import one_at_a_time
from services.connectors.service import ConnectorError, ShopExists, UnknownShop


class UnknownRegion(ConnectorError):
    """A region with no SP-API endpoint configured."""


class PollFailed(ConnectorError):
    """Amazon could not be read within the retry budget; the watermark did not move."""


def domain_of(seller_id: str) -> str:
    """The seller's name among Lotline's shops: orders and SKU mappings are filed under it."""
    return f"amazon-{seller_id}"


async def _writable(conn: AsyncConnection, seller_id: str) -> None:
    """A shop with an access token is one Lotline may write to (the stock push targets
    only those). An Amazon seller's calls use its own Login with Amazon tokens
    (``tokens.py``), so the shop's holds only a marker naming the seller: no secret is
    copied there, and the shops API's hint of it shows nothing of one."""
    marker = f"amazon-seller:{seller_id}"
    await connectors_repository.update_shop(conn, domain_of(seller_id), {"access_token": marker})


async def connect_seller(
    engine: AsyncEngine,
    settings: AmazonSettings,
    *,
    seller_id: str,
    marketplace_ids: list[str],
    region: str,
    lwa_client_id: str,
    lwa_client_secret: str,
    refresh_token: str,
) -> Any:
    if region not in settings.endpoints:
        raise UnknownRegion(f"no SP-API endpoint for region {region!r}")
    domain = domain_of(seller_id)
    async with engine.begin() as conn:
        # Amazon's notifications come through a queue, never a signed webhook: the shop's
        # own secret is never used, and is random so nobody can sign one for it.
        added = await connectors_repository.insert_shop(
            conn, domain=domain, channel=CHANNEL, secret=secrets.token_hex(32)
        )
        if not added or not await repository.insert_seller(
            conn,
            seller_id=seller_id,
            domain=domain,
            marketplace_ids=marketplace_ids,
            region=region,
            lwa_client_id=lwa_client_id,
            lwa_client_secret=lwa_client_secret,
            refresh_token=refresh_token,
        ):
            raise ShopExists(f"shop {domain} is already registered")
        await _writable(conn, seller_id)
        return await repository.seller(conn, seller_id)


async def seller(engine: AsyncEngine, seller_id: str) -> Any:
    async with engine.connect() as conn:
        row = await repository.seller(conn, seller_id)
    if row is None:
        raise UnknownShop(f"unknown Amazon seller {seller_id}")
    return row


async def authorise(
    engine: AsyncEngine,
    seller_id: str,
    *,
    lwa_client_id: str,
    lwa_client_secret: str,
    refresh_token: str,
) -> Any:
    """Store the seller's new credentials (after it authorised the app again)."""
    async with engine.begin() as conn:
        if not await repository.authorise(
            conn,
            seller_id,
            lwa_client_id=lwa_client_id,
            lwa_client_secret=lwa_client_secret,
            refresh_token=refresh_token,
        ):
            raise UnknownShop(f"unknown Amazon seller {seller_id}")
        await _writable(conn, seller_id)
    return await seller(engine, seller_id)


async def orders(
    engine: AsyncEngine, seller_id: str, *, outcome: str | None, limit: int
) -> list[Any]:
    await seller(engine, seller_id)
    async with engine.connect() as conn:
        return list(await repository.list_orders(conn, seller_id, outcome=outcome, limit=limit))


@dataclass(frozen=True)
class FbaSales:
    sales: list[Any]
    totals: list[tuple[str | None, int, Decimal]]  # currency, orders, amount
    not_sold: int


async def fba_sales(engine: AsyncEngine, seller_id: str, *, limit: int) -> FbaSales:
    """The seller's FBA sales, and the totals of the sold ones per currency."""
    await seller(engine, seller_id)
    async with engine.connect() as conn:
        rows = list(await repository.fba_sales(conn, seller_id, limit=limit))
        groups = await repository.fba_totals(conn, seller_id)
    sold: dict[str | None, tuple[int, Decimal]] = {}
    not_sold = 0
    for group in groups:
        if not is_sold(group.order_status):
            not_sold += group.orders
            continue
        orders_before, amount_before = sold.get(group.total_currency, (0, Decimal(0)))
        sold[group.total_currency] = (
            orders_before + group.orders,
            amount_before + (group.amount or Decimal(0)),
        )
    totals = [(c, n, a) for c, (n, a) in sorted(sold.items(), key=lambda kv: kv[0] or "")]
    return FbaSales(sales=rows, totals=totals, not_sold=not_sold)


async def poll_now(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    settings: AmazonSettings,
    retries: WriteBackSettings,
    seller_id: str,
) -> poller.PollResult:
    """One poll of the seller, answered when done (for operators and tests)."""
    await seller(engine, seller_id)
    try:
        async with one_at_a_time(engine, run_lock(seller_id), wait=True):
            api = SpApi(http, settings, limiter=process_limiter())
            return await poller.poll_seller(
                engine, api, seller_id, settings=settings, retries=retries
            )
    except AdminError as error:
        raise PollFailed(f"Amazon seller {seller_id}: {error}") from error
