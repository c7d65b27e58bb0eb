"""Pushing what Lotline can sell to the shops, and reading back what they show.

A due (shop, SKU) row is leased, its shop's level read, the ``available`` quantity set with
compare-and-set when it differs, and read back; the row then records pushed and reported.
A reconciliation pass re-reads rows checked longer ago than the interval: a shop showing
something else than what was pushed (drift: an edit in the shop admin, a lost update) makes
the row pending again, and the next push corrects it.

A lease is held, not just taken: each row's lease is renewed when its turn in the batch
comes and every third of its length while its push runs (throttling and retries can outlast
it), and every write back to the row checks the lease is still the one we set. A row whose
lease ran out is left to whichever process took it since, so no row is pushed by two."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository, retrying
from services.connectors import tables as t
from services.connectors.channels import registry
from services.connectors.channels.port import (
    AdminError,
    Refused,
    RetryLater,
    ShopStock,
    StaleLevel,
    StockLevel,
)
from services.connectors.channels.registry import Channels
from services.connectors.config import StockPushSettings, WriteBackSettings
from services.connectors.stock_push import stock_rules, stock_tracking
from shared.retrying import doubling

log = logging.getLogger(__name__)
S = t.stock_sync


# Rows read per claim to find the due ones among (a multiple of the batch size).
CANDIDATES_PER_BATCH = 5


def _free() -> Any:
    """Rows no process holds: never leased, or the lease ran out."""
    return sa.or_(S.c.claimed_until.is_(None), S.c.claimed_until < sa.func.now())


async def _claim(
    engine: AsyncEngine,
    settings: StockPushSettings,
    candidates: list[Any],
    keep: Callable[[Any, datetime], bool],
) -> list[Any]:
    """Lease the first ``batch_size`` rows of ``candidates`` (queries of (shop, sku), each
    in the order the rows should go) that ``keep`` says are due at the database's now. The
    SQL only narrows; the rule decides (``stock_rules``)."""
    lease = sa.func.now() + timedelta(seconds=settings.lease_seconds)
    limit = settings.batch_size * CANDIDATES_PER_BATCH
    async with engine.begin() as conn:
        now = (await conn.execute(sa.select(sa.func.now()))).scalar_one()
        heads = sa.union(*(query.limit(limit) for query in candidates)).subquery()
        rows = (
            await conn.execute(
                sa.select(S)
                .where(sa.tuple_(S.c.shop, S.c.sku).in_(sa.select(heads.c.shop, heads.c.sku)))
                .where(_free())
                .order_by(S.c.changed_at)
                .with_for_update(skip_locked=True)
            )
        ).all()
        keys = [(r.shop, r.sku) for r in rows if keep(r, now)][: settings.batch_size]
        if not keys:
            return []
        claimed = await conn.execute(
            S.update()
            .where(sa.tuple_(S.c.shop, S.c.sku).in_(keys))
            .values(claimed_until=lease)
            .returning(*S.c)
        )
        return list(claimed.all())


async def claim_due(engine: AsyncEngine, settings: StockPushSettings) -> list[tuple[Any, Lease]]:
    """Pending rows whose change is due (``stock_rules.is_due``), with their leases. The
    candidates are the pending rows first by last change and first by first pending change:
    whichever way a row is due, it is at the head of one of the two."""
    debounce = timedelta(seconds=settings.debounce_seconds)
    max_delay = timedelta(seconds=settings.max_delay_seconds)
    pending = sa.select(S.c.shop, S.c.sku).where(S.c.pending_since.is_not(None), _free())

    def keep(row: Any, now: datetime) -> bool:
        return stock_rules.is_due(
            changed_at=row.changed_at,
            pending_since=row.pending_since,
            now=now,
            debounce=debounce,
            max_delay=max_delay,
        )

    candidates = [pending.order_by(S.c.changed_at), pending.order_by(S.c.pending_since)]
    return _leased(await _claim(engine, settings, candidates, keep))


async def claim_stale(engine: AsyncEngine, settings: StockPushSettings) -> list[tuple[Any, Lease]]:
    """Rows in sync whose last check is older than the reconciliation interval."""
    interval = timedelta(seconds=settings.reconcile_interval_seconds)
    oldest_checks = (
        sa.select(S.c.shop, S.c.sku)
        .where(S.c.pending_since.is_(None), _free())
        .order_by(S.c.checked_at.asc().nulls_first())
    )

    def keep(row: Any, now: datetime) -> bool:
        return row.pending_since is None and stock_rules.is_check_due(
            checked_at=row.checked_at, now=now, interval=interval
        )

    return _leased(await _claim(engine, settings, [oldest_checks], keep))


def _leased(rows: list[Any]) -> list[tuple[Any, Lease]]:
    return [(row, Lease.of(row)) for row in rows]


async def next_due_in(engine: AsyncEngine, settings: StockPushSettings) -> float | None:
    """Seconds until a row is due to be pushed, reconciled or retried (``stock_rules.
    next_turn_in``); the query only collects the earliest instants over the free rows."""
    free, pending = _free(), S.c.pending_since.is_not(None)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(
                    sa.func.now().label("now"),
                    sa.func.min(S.c.changed_at).filter(pending, free).label("change"),
                    sa.func.min(S.c.pending_since).filter(pending, free).label("pending"),
                    sa.func.min(sa.func.coalesce(S.c.checked_at, sa.func.now()))
                    .filter(sa.not_(pending), free)
                    .label("check"),
                    sa.func.min(S.c.claimed_until)
                    .filter(S.c.claimed_until >= sa.func.now())
                    .label("lease_end"),
                )
            )
        ).one()
    return stock_rules.next_turn_in(
        now=row.now,
        earliest_change=row.change,
        earliest_pending=row.pending,
        earliest_check=row.check,
        next_lease_end=row.lease_end,
        debounce=timedelta(seconds=settings.debounce_seconds),
        max_delay=timedelta(seconds=settings.max_delay_seconds),
        reconcile_interval=timedelta(seconds=settings.reconcile_interval_seconds),
    )


@dataclass
class Lease:
    """Our hold on one row: the end we last set, which is also the proof that we hold it."""

    shop: str
    sku: str
    until: datetime

    @classmethod
    def of(cls, row: Any) -> Lease:
        return cls(row.shop, row.sku, row.claimed_until)

    def held(self) -> Any:
        return sa.and_(S.c.shop == self.shop, S.c.sku == self.sku, S.c.claimed_until == self.until)


async def renew(engine: AsyncEngine, lease: Lease, settings: StockPushSettings) -> bool:
    """Extend a lease we still hold (its end is the one we set and has not passed); False
    when it ran out, whether or not another process has taken the row since."""
    extended = sa.func.now() + timedelta(seconds=settings.lease_seconds)
    async with engine.begin() as conn:
        until = (
            await conn.execute(
                S.update()
                .where(lease.held(), S.c.claimed_until > sa.func.now())
                .values(claimed_until=extended)
                .returning(S.c.claimed_until)
            )
        ).scalar_one_or_none()
    if until is None:
        return False
    lease.until = until
    return True


@asynccontextmanager
async def kept(
    engine: AsyncEngine, lease: Lease, settings: StockPushSettings
) -> AsyncIterator[Lease]:
    """Renew the lease every third of its length while the block runs. The renewer is
    stopped, not cancelled, so a renewal in flight is never half-known when we write."""
    stop = asyncio.Event()

    async def renewing() -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.lease_seconds / 3)
            except TimeoutError:
                if not await renew(engine, lease, settings):
                    log.warning(
                        "stock push %s %s: lease lost during the push", lease.shop, lease.sku
                    )
                    return

    renewer = asyncio.create_task(renewing())
    try:
        yield lease
    finally:
        stop.set()
        await renewer


async def _client(
    engine: AsyncEngine, http: httpx.AsyncClient, domain: str, channels: Channels | None
) -> ShopStock:
    """The shop's stock levels through its channel's adapter (the port's ``shop_stock``)."""
    async with engine.connect() as conn:
        shop = await repository.shop(conn, domain)
    if shop is None:
        raise Refused(f"shop {domain} has no Admin API access token")
    channel = (channels or registry.default()).get(shop.channel)
    return await channel.shop_stock(engine, http, domain)


async def _push_once(client: ShopStock, row: Any) -> StockLevel:
    """One try: read, set when different, read back. A stale compare is retried (re-read)."""
    level = await client.level(row.sku)
    if level.available == row.intended:
        return level
    reference = f"lotline://stock-sync/{row.shop}/{row.sku}"
    try:
        await client.set_available(level, row.intended, reference=reference)
    except StaleLevel as error:
        raise RetryLater(str(error), wait_seconds=0.0) from error
    return await client.level(row.sku)


async def push(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    row: Any,
    lease: Lease,
    *,
    settings: StockPushSettings,
    retries: WriteBackSettings,
    channels: Channels | None = None,
) -> None:
    """Carry one claimed row to the shop; a failure is recorded and retried later."""

    async def noted(_error: AdminError) -> None:
        return None

    try:
        async with kept(engine, lease, settings):
            client = await _client(engine, http, row.shop, channels)
            level = await retrying.with_retries(
                lambda: _push_once(client, row), retries, on_failure=noted
            )
    except AdminError as error:
        log.warning("stock push %s %s failed: %s", row.shop, row.sku, error)
        await _failed(engine, row, lease, str(error), settings)
        return
    await _pushed(engine, row, lease, level.available)


async def _written(engine: AsyncEngine, lease: Lease, values: dict[str, Any]) -> None:
    """Write the row's outcome only while we hold it: after a lost lease the row belongs to
    the process that took it, whose own outcome will be written."""
    async with engine.begin() as conn:
        done = await conn.execute(S.update().where(lease.held()).values(**values))
    if done.rowcount == 0:
        log.warning(
            "stock push %s %s: lease lost; outcome left to its holder", lease.shop, lease.sku
        )


async def _pushed(engine: AsyncEngine, row: Any, lease: Lease, reported: int) -> None:
    now = sa.func.now()
    await _written(
        engine,
        lease,
        dict(
            pushed=row.intended,
            pushed_at=now,
            pushes=S.c.pushes + 1,
            reported=reported,
            reported_at=now,
            checked_at=now,
            attempts=0,
            last_error=None,
            claimed_until=None,
            # a change that arrived during the push keeps the row pending
            pending_since=sa.case((S.c.intended == row.intended, None), else_=S.c.pending_since),
        ),
    )


async def _failed(
    engine: AsyncEngine, row: Any, lease: Lease, reason: str, settings: StockPushSettings
) -> None:
    backoff = doubling(
        row.attempts + 1, settings.failure_backoff_seconds, settings.failure_backoff_max_seconds
    )
    retry_at = sa.func.now() + timedelta(seconds=backoff)
    await _written(
        engine,
        lease,
        dict(
            attempts=S.c.attempts + 1,
            last_error=reason[:2000],
            claimed_until=retry_at,
            pending_since=sa.func.coalesce(S.c.pending_since, sa.func.now()),
        ),
    )


async def reconcile(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    row: Any,
    lease: Lease,
    *,
    settings: StockPushSettings,
    channels: Channels | None = None,
) -> None:
    """Read what the shop shows; a difference from what we pushed makes the row pending."""
    try:
        async with kept(engine, lease, settings):
            client = await _client(engine, http, row.shop, channels)
            level = await client.level(row.sku)
    except AdminError as error:
        await _failed(engine, row, lease, f"reconciliation: {error}", settings)
        return
    now = sa.func.now()
    differs = level.available != row.intended
    await _written(
        engine,
        lease,
        dict(
            reported=level.available,
            reported_at=now,
            checked_at=now,
            claimed_until=None,
            pending_since=now if differs else S.c.pending_since,
            changed_at=sa.func.now() - timedelta(days=1) if differs else S.c.changed_at,
        ),
    )
    if differs:
        log.info(
            "drift %s %s: shop shows %s, Lotline %s",
            row.shop,
            row.sku,
            level.available,
            row.intended,
        )


async def run_once(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    *,
    settings: StockPushSettings,
    retries: WriteBackSettings,
    channels: Channels | None = None,
) -> int:
    """Track mapped SKUs without a row, push the due rows, then re-check the rows due for
    reconciliation; how many were done."""
    done = await stock_tracking.track_untracked(engine, channels)
    async for row, lease in in_turn(engine, await claim_due(engine, settings), settings):
        await push(engine, http, row, lease, settings=settings, retries=retries, channels=channels)
        done += 1
    stale = await claim_stale(engine, settings)
    async for row, lease in in_turn(engine, stale, settings):
        await reconcile(engine, http, row, lease, settings=settings, channels=channels)
        done += 1
    return done


async def in_turn(
    engine: AsyncEngine, claimed: list[tuple[Any, Lease]], settings: StockPushSettings
) -> AsyncIterator[tuple[Any, Lease]]:
    """The claimed rows whose lease still holds when their turn comes (renewed then); a
    row whose lease ran out while earlier ones were pushed is skipped."""
    for row, lease in claimed:
        if await renew(engine, lease, settings):
            yield row, lease
        else:
            log.info("stock push %s %s: lease ran out before its turn", row.shop, row.sku)
