"""The orders a consumed batch will touch are locked in id order before any event is
applied (``services.orders.batch_locks``): a production order's event, keyed by the
production order, locks the customer orders it serves in its demands' order; beside a
batch of reservations locking the same orders in id order, the two deadlocked (PostgreSQL
broke it after a second and both were applied again event by event)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import repository
from services.orders.batch_locks import lock_orders_first, orders_of
from shared.consuming import Delivery, LockFirst, Routed, apply_batch
from shared.contracts.envelope import Envelope
from shared.contracts.production import Demand, ProductionOrderDemandsChanged, ProductionStatus
from shared.units import Quantity
from tests.integration.advisory_locks import until_waiting, waiting_for_any_lock
from tests.integration.test_orders_intake import reserved_for
from tests.integration.test_orders_promises import new_order

pytestmark = pytest.mark.integration


def serving(*order_ids: uuid.UUID) -> ProductionOrderDemandsChanged:
    demands = tuple(Demand(order_id=o, line_no=1, quantity=Quantity.of(1, "pc")) for o in order_ids)
    return ProductionOrderDemandsChanged(
        production_order_id=uuid.uuid4(),
        item_code="SOAP",
        quantity=Quantity.of(len(order_ids), "pc"),
        status=ProductionStatus.PLANNED,
        demands=demands,
    )


def test_the_orders_of_a_batch_are_its_events_own_and_those_their_demands_serve() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert orders_of([reserved_for(a), serving(c, b), serving(a)]) == {a, b, c}


async def racing_batches(engine: AsyncEngine, lock_first: LockFirst | None) -> list[Any]:
    """A batch of reservations locking A then B (id order) and a production order's batch
    whose one event locks B then A (its demands' order), started together; the first to
    lock holds on until the other holds a lock too or waits for one."""
    a, b = sorted([await new_order(engine), await new_order(engine)])
    first_locks = 0

    def locking(*order_ids: uuid.UUID) -> Callable[[Delivery, Any], Awaitable[None]]:
        async def lock_each(tx: Delivery, event: Any) -> None:
            nonlocal first_locks
            for n, order_id in enumerate(order_ids):
                await repository.status_for_update(tx.conn, order_id)
                if n == 0:
                    first_locks += 1
                    waiting = asyncio.ensure_future(
                        until_waiting(engine, 1, probe=waiting_for_any_lock)
                    )
                    while first_locks < 2 and not waiting.done():
                        await asyncio.sleep(0.01)
                    waiting.cancel()

        return lock_each

    reservations: list[Routed] = [
        (Envelope.wrap(event), event, locking(event.order_id))
        for event in (reserved_for(a), reserved_for(b))
    ]
    # one use case for both reservations would lock one order each: A's holds on first
    reservations[1] = (*reservations[1][:2], locking(b))
    production = serving(b, a)
    tag = uuid.uuid4().hex[:8]
    return list(
        await asyncio.wait_for(
            asyncio.gather(
                apply_batch(engine, f"test-{tag}-inv", reservations, lock_first=lock_first),
                apply_batch(
                    engine,
                    f"test-{tag}-prod",
                    [(Envelope.wrap(production), production, locking(b, a))],
                    lock_first=lock_first,
                ),
                return_exceptions=True,
            ),
            timeout=30,
        )
    )


async def test_a_reservations_batch_and_a_production_batch_both_commit(orders_engine) -> None:
    assert await racing_batches(orders_engine, lock_orders_first) == [2, 1]


async def test_without_the_locks_first_the_same_batches_deadlock(orders_engine) -> None:
    outcomes = await racing_batches(orders_engine, None)
    assert any("deadlock detected" in str(o) for o in outcomes), outcomes
