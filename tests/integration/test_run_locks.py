"""Two instances of the connectors never reconcile (or poll) one shop side by side: a run
holds the shop's session lock, another instance's worker skips the shop while it is held,
and an operator's "run now" queues behind it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.config import ShopifySyncSettings
from services.connectors.run_locks import one_at_a_time
from services.connectors.shopify import reconciliation
from tests.integration.advisory_locks import waiting


async def test_a_held_run_lock_is_refused_to_a_worker_and_queued_for_an_operator(
    connectors_engine: AsyncEngine,
) -> None:
    async with one_at_a_time(connectors_engine, "reconcile:a", wait=False) as first:
        async with one_at_a_time(connectors_engine, "reconcile:a", wait=False) as second:
            assert (first, second) == (True, False)
        async with one_at_a_time(connectors_engine, "reconcile:b", wait=False) as other:
            assert other  # another shop's run goes on

        async def operator() -> None:
            async with one_at_a_time(connectors_engine, "reconcile:a", wait=True) as held:
                assert held

        queued = asyncio.create_task(operator())
        while not queued.done() and not await waiting(connectors_engine):
            await asyncio.sleep(0.02)  # until it waits for the lock, or went ahead
        assert not queued.done(), "the operator's run went ahead while the worker's held it"
    await asyncio.wait_for(queued, 10)  # released: it runs
    async with one_at_a_time(connectors_engine, "reconcile:a", wait=False) as again:
        assert again  # nothing kept it


async def test_a_worker_skips_the_shop_another_instance_is_reconciling(
    connectors_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    async def shops(_engine: AsyncEngine) -> list[str]:
        return ["busy.myshopify.com", "free.myshopify.com"]

    async def reconcile(_engine: AsyncEngine, _http: Any, shop: str, _s: Any) -> None:
        runs.append(shop)

    monkeypatch.setattr(reconciliation, "reconcilable_shops", shops)
    monkeypatch.setattr(reconciliation, "reconcile_shop", reconcile)
    worker = reconciliation.ReconciliationWorker(connectors_engine, ShopifySyncSettings())
    worker.open()
    try:
        async with one_at_a_time(connectors_engine, "reconcile:busy.myshopify.com", wait=False):
            await worker.step()  # the other instance is reconciling "busy"
        await worker.step()
    finally:
        await worker.close()

    assert runs == ["free.myshopify.com", "busy.myshopify.com", "free.myshopify.com"]
