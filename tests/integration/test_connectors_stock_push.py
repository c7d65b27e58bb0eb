"""Stock push on the real PostgreSQL against the fake Shopify over HTTP: lot snapshots in,
one debounced push of the latest value out, throttling survived, failures visible."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import service, sku_mappings
from services.connectors import tables as t
from services.connectors.config import StockPushSettings, WriteBackSettings
from services.connectors.stock_push import shop_levels, stock_tracking
from services.connectors.stock_push.stock_push_worker import StockPushWorker
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotStatus
from shared.units import Quantity
from tests.fakes.shopify_admin import FakeShopifyAdmin, running_fake

RETRIES = WriteBackSettings(
    max_attempts=5,
    backoff_initial_seconds=0.01,
    backoff_max_seconds=0.05,
    jitter_seconds=0.01,
    max_wait_seconds=0.2,
)
AT_ONCE = StockPushSettings(debounce_seconds=0, max_delay_seconds=0, failure_backoff_seconds=0)
PATIENT = StockPushSettings(debounce_seconds=60, max_delay_seconds=600)


@pytest.fixture
async def fake() -> AsyncIterator[FakeShopifyAdmin]:
    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


async def mapped_item(engine: AsyncEngine, fake: FakeShopifyAdmin, *, in_shop: bool = True) -> Any:
    domain = f"stock-{uuid.uuid4().hex[:8]}.myshopify.com"
    await service.register_shop(
        engine,
        domain=domain,
        channel="shopify",
        secret="s",
        admin={"admin_api_url": fake.url, "access_token": fake.access_token},
    )
    item = f"SOAP-{uuid.uuid4().hex[:8].upper()}"
    if in_shop:
        fake.inventory.add_variant(item, available=0)
    await sku_mappings.set_mapping(engine, domain=domain, sku=item, item_code=item)
    return domain, item


async def lot_changed(
    engine: AsyncEngine,
    item: str,
    *,
    on_hand: int,
    reserved: int,
    revision: int,
    status: LotStatus = LotStatus.AVAILABLE,
    lot_code: str | None = None,
) -> None:
    event = LotChanged(
        lot_code=lot_code or f"{item}-1",
        item_code=item,
        on_hand=Quantity.of(on_hand, "pc"),
        reserved=Quantity.of(reserved, "pc"),
        revision=revision,
        status=status,
    )
    await apply_once(engine, stock_tracking.on_lot_changed, Envelope.wrap(event), event)


async def row(engine: AsyncEngine, domain: str, sku: str) -> Any:
    async with engine.connect() as conn:
        query = sa.select(t.stock_sync).where(
            t.stock_sync.c.shop == domain, t.stock_sync.c.sku == sku
        )
        return (await conn.execute(query)).one()


async def database_clock_passes(engine: AsyncEngine, moment: datetime) -> None:
    """Until PostgreSQL's clock, by which leases are judged, is past ``moment``."""
    while True:
        async with engine.connect() as conn:
            now = await conn.scalar(sa.select(sa.func.clock_timestamp()))
            if now is not None and now > moment:
                return
        await asyncio.sleep(0.02)


async def run(engine: AsyncEngine, http: httpx.AsyncClient, settings: StockPushSettings) -> int:
    return await shop_levels.run_once(engine, http, settings=settings, retries=RETRIES)


async def test_a_burst_of_changes_is_one_push_of_the_latest_value(connectors_engine, fake, http):
    domain, item = await mapped_item(connectors_engine, fake)
    for revision, reserved in enumerate((1, 2, 3, 4, 5), start=1):
        await lot_changed(connectors_engine, item, on_hand=20, reserved=reserved, revision=revision)

    await run(connectors_engine, http, PATIENT)
    assert fake.inventory.sets.count((item, 15)) == 0  # still within the debounce window
    async with connectors_engine.begin() as conn:
        await conn.execute(
            t.stock_sync.update()
            .where(t.stock_sync.c.shop == domain)
            .values(changed_at=sa.func.now() - sa.text("interval '2 minutes'"))
        )
    await run(connectors_engine, http, PATIENT)

    assert [s for s in fake.inventory.sets if s[0] == item] == [(item, 15)]
    synced = await row(connectors_engine, domain, item)
    assert (synced.intended, synced.pushed, synced.reported, synced.pending_since) == (
        15,
        15,
        15,
        None,
    )


async def test_a_recalled_lot_alone_lowers_what_the_shop_shows(connectors_engine, fake, http):
    domain, item = await mapped_item(connectors_engine, fake)
    await lot_changed(connectors_engine, item, on_hand=6, reserved=0, revision=1)
    quarantine = f"{item}-1-Q"
    await lot_changed(
        connectors_engine,
        item,
        on_hand=3,
        reserved=0,
        revision=1,
        lot_code=quarantine,
        status=LotStatus.QUARANTINED,
    )
    good = f"{item}-2"
    await lot_changed(connectors_engine, item, on_hand=4, reserved=1, revision=1, lot_code=good)
    await run(connectors_engine, http, AT_ONCE)
    assert fake.inventory.available(item) == 9  # the quarantined 3 never counted

    await lot_changed(
        connectors_engine, item, on_hand=6, reserved=0, revision=2, status=LotStatus.BLOCKED
    )
    await run(connectors_engine, http, AT_ONCE)

    assert fake.inventory.available(item) == 3
    assert [q for sku, q in fake.inventory.sets if sku == item][-1] == 3
    assert (await row(connectors_engine, domain, item)).intended == 3


async def test_a_stale_lot_snapshot_never_overwrites_a_newer_one(connectors_engine, fake, http):
    domain, item = await mapped_item(connectors_engine, fake)

    await lot_changed(connectors_engine, item, on_hand=10, reserved=4, revision=7)
    await lot_changed(connectors_engine, item, on_hand=10, reserved=0, revision=6)

    assert (await row(connectors_engine, domain, item)).intended == 6


async def test_a_throttling_storm_delays_the_push_but_it_lands(connectors_engine, fake, http):
    _, item = await mapped_item(connectors_engine, fake)
    await lot_changed(connectors_engine, item, on_hand=8, reserved=0, revision=1)
    fake.throttle_next(3, operation="inventorySetQuantities")

    await run(connectors_engine, http, AT_ONCE)

    assert fake.inventory.available(item) == 8
    assert len(fake.requests_for("inventorySetQuantities")) == 4


async def test_a_sku_the_shop_lacks_is_recorded_as_failing_and_retried(
    connectors_engine, fake, http
):
    domain, item = await mapped_item(connectors_engine, fake, in_shop=False)
    await lot_changed(connectors_engine, item, on_hand=3, reserved=0, revision=1)

    await run(connectors_engine, http, AT_ONCE)
    failing = await row(connectors_engine, domain, item)
    fake.inventory.add_variant(item, available=0)
    await run(connectors_engine, http, AT_ONCE)

    assert failing.attempts == 1 and "no product variant" in failing.last_error
    assert failing.pending_since is not None
    fixed = await row(connectors_engine, domain, item)
    assert (fixed.pushed, fixed.reported, fixed.last_error) == (3, 3, None)


async def test_a_shop_given_its_token_later_is_pushed_too(connectors_engine, fake, http):
    domain = f"late-{uuid.uuid4().hex[:8]}.myshopify.com"
    await service.register_shop(connectors_engine, domain=domain, channel="shopify", secret="s")
    item = f"HONEY-{uuid.uuid4().hex[:8].upper()}"
    fake.inventory.add_variant(item, available=0)
    await sku_mappings.set_mapping(connectors_engine, domain=domain, sku=item, item_code=item)
    await lot_changed(connectors_engine, item, on_hand=5, reserved=1, revision=1)
    admin = {"admin_api_url": fake.url, "access_token": fake.access_token}

    await service.update_shop(connectors_engine, domain, admin)
    await run(connectors_engine, http, AT_ONCE)

    assert fake.inventory.available(item) == 4


async def held_for(engine: AsyncEngine, domain: str, sku: str) -> float:
    """Seconds the row is held (leased or backing off) from the database's now."""
    async with engine.connect() as conn:
        held = sa.func.extract("epoch", t.stock_sync.c.claimed_until - sa.func.now())
        seconds = await conn.scalar(
            sa.select(held).where(t.stock_sync.c.shop == domain, t.stock_sync.c.sku == sku)
        )
    assert seconds is not None, "the row is not held"
    return float(seconds)


async def test_refusals_back_off_doubling_until_the_shop_is_connected_again_then_push_at_once(
    connectors_engine, fake, http
):
    """A shop whose access was taken away is not asked every minute for ever; once its
    access is back it is not made to wait out the longest backoff, and shows the quantity
    of now, not the one of when it was cut off."""
    backing_off = StockPushSettings(
        debounce_seconds=0,
        max_delay_seconds=0,
        failure_backoff_seconds=100,
        failure_backoff_max_seconds=300,
    )
    domain, item = await mapped_item(connectors_engine, fake)
    await service.update_shop(connectors_engine, domain, {"access_token": None})
    await lot_changed(connectors_engine, item, on_hand=6, reserved=0, revision=1)

    waits = []
    for _ in range(4):
        await run(connectors_engine, http, backing_off)
        waits.append(round(await held_for(connectors_engine, domain, item), -1))
        async with connectors_engine.begin() as conn:  # as if the backoff had passed
            await conn.execute(
                t.stock_sync.update()
                .where(t.stock_sync.c.shop == domain)
                .values(claimed_until=sa.func.now() - sa.text("interval '1 second'"))
            )
    refused = await row(connectors_engine, domain, item)
    await run(connectors_engine, http, backing_off)  # refused once more: held 300 s
    admin = {"admin_api_url": fake.url, "access_token": fake.access_token}
    await service.update_shop(connectors_engine, domain, admin)
    await run(connectors_engine, http, backing_off)

    assert waits == [100, 200, 300, 300]
    assert refused.attempts == 4 and "no Admin API access token" in refused.last_error
    assert fake.inventory.available(item) == 6
    pushed = await row(connectors_engine, domain, item)
    assert (pushed.pushed, pushed.attempts, pushed.last_error) == (6, 0, None)


async def test_a_lease_that_ran_out_before_its_turn_is_left_to_the_process_that_took_it(
    connectors_engine, fake, http
):
    short = StockPushSettings(
        debounce_seconds=0, max_delay_seconds=0, failure_backoff_seconds=0, lease_seconds=0.5
    )
    domain, item = await mapped_item(connectors_engine, fake)
    await lot_changed(connectors_engine, item, on_hand=7, reserved=0, revision=1)
    ours = [
        (r, lease)
        for r, lease in await shop_levels.claim_due(connectors_engine, short)
        if r.sku == item
    ]
    await database_clock_passes(connectors_engine, ours[0][1].until)  # while "earlier rows" push
    theirs = [
        (r, lease)
        for r, lease in await shop_levels.claim_due(connectors_engine, short)
        if r.sku == item
    ]

    skipped = [r async for r in shop_levels.in_turn(connectors_engine, ours, short)]
    taken = [r async for r in shop_levels.in_turn(connectors_engine, theirs, short)]
    for claimed, lease in taken:
        await shop_levels.push(
            connectors_engine, http, claimed, lease, settings=short, retries=RETRIES
        )

    assert len(ours) == 1 and skipped == [] and len(taken) == 1
    assert [s for s in fake.inventory.sets if s[0] == item] == [(item, 7)]  # pushed once
    synced = await row(connectors_engine, domain, item)
    assert (synced.pushed, synced.claimed_until) == (7, None)


async def test_a_push_outlasting_its_lease_keeps_it_and_its_outcome(connectors_engine, fake, http):
    short = StockPushSettings(
        debounce_seconds=0, max_delay_seconds=0, failure_backoff_seconds=0, lease_seconds=0.6
    )
    domain, item = await mapped_item(connectors_engine, fake)
    await lot_changed(connectors_engine, item, on_hand=5, reserved=1, revision=1)
    [(_, lease)] = [
        (r, lease)
        for r, lease in await shop_levels.claim_due(connectors_engine, short)
        if r.sku == item
    ]
    first_end = lease.until

    async with shop_levels.kept(connectors_engine, lease, short):
        await database_clock_passes(connectors_engine, first_end)  # a push outlasting it
        rivals = await shop_levels.claim_due(connectors_engine, short)

    assert item not in [r.sku for r, _ in rivals]  # nobody could take it meanwhile
    assert lease.until > first_end
    assert (await row(connectors_engine, domain, item)).claimed_until == lease.until


class CountedWorker(StockPushWorker):
    """The stock push worker, counting its turns."""

    turns = 0

    async def step(self) -> int:
        done = await super().step()
        self.turns += 1
        return done


async def test_the_worker_is_woken_by_a_change_and_sleeps_only_until_it_is_due(
    connectors_engine, fake
):
    """With a fallback far longer than the test, the push still comes: the committed change
    wakes the worker, which finds it not yet due, sleeps until its debounce has passed
    (``next_due_in``), and pushes it then."""
    settings = StockPushSettings(poll_interval_seconds=600, debounce_seconds=0.5)
    domain, item = await mapped_item(connectors_engine, fake)
    worker = CountedWorker(connectors_engine, settings, RETRIES)
    worker.start()
    try:
        async with asyncio.timeout(20):
            while worker.turns == 0:  # its first turn, at start, is over
                await asyncio.sleep(0.02)
        await lot_changed(connectors_engine, item, on_hand=9, reserved=2, revision=1)
        async with asyncio.timeout(20):
            while (await row(connectors_engine, domain, item)).pushed != 7:
                await asyncio.sleep(0.05)
        assert fake.inventory.sets.count((item, 7)) == 1
    finally:
        await worker.stop()
