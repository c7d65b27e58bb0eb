"""Two consumers' batches touching the same aggregates in opposite orders do not deadlock:
``apply_batch`` applies a batch in key order, so both take their locks in the same order
and the second waits for the first instead of each holding what the other needs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consuming import Delivery, Routed, apply_batch
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.units import Quantity
from tests.integration.advisory_locks import until_waiting

pytestmark = pytest.mark.integration


def received(code: str) -> tuple[Envelope, LotReceived]:
    event = LotReceived(lot_code=code, item_code="HONEY", quantity=Quantity.of(1, "pc"))
    return Envelope.wrap(event), event


async def test_batches_lock_their_aggregates_in_one_order(orders_engine: AsyncEngine) -> None:
    run = uuid.uuid4().hex[:8]
    a, b = f"{run}-A", f"{run}-B"
    firsts_locked = 0
    order_seen: dict[str, list[str]] = {"reservations": [], "promises": []}

    def use_case(batch_name: str) -> Callable[[Delivery, LotReceived], Awaitable[None]]:
        async def lock_the_aggregate(tx: Delivery, event: LotReceived) -> None:
            nonlocal firsts_locked
            key = sa.func.hashtextextended(f"test-key-order:{event.lot_code}", 0)
            await tx.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
            order_seen[batch_name].append(event.lot_code)
            if len(order_seen[batch_name]) == 1:
                # Hold the first lock until the other batch holds one too (applied as
                # they came: A here, B there — a deadlock next) or waits for this one
                # (in key order: both start with A).
                firsts_locked += 1
                waiting = asyncio.ensure_future(until_waiting(orders_engine, 1))
                while firsts_locked < 2 and not waiting.done():
                    await asyncio.sleep(0.01)
                waiting.cancel()

        return lock_the_aggregate

    def batch(name: str, *codes: str) -> list[Routed]:
        return [(*received(code), use_case(name)) for code in codes]

    outcomes = await asyncio.wait_for(
        asyncio.gather(
            apply_batch(orders_engine, f"test-{run}-reservations", batch("reservations", a, b)),
            apply_batch(orders_engine, f"test-{run}-promises", batch("promises", b, a)),
            return_exceptions=True,
        ),
        timeout=30,
    )

    assert list(outcomes) == [2, 2]  # both committed: no deadlock broken by PostgreSQL
    assert order_seen == {"reservations": [a, b], "promises": [a, b]}
