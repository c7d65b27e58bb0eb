"""The orders a consumed batch will touch, locked in one order before any event of it is
applied (``shared.consuming.apply_batch``'s ``lock_first``).

A batch is applied in key order, but a production order's event is keyed by the
production order and locks the customer orders it serves (their links, their statuses), in
the order of its demands. Beside a batch of reservations locking the same orders in id
order, PostgreSQL found deadlocks and broke them after a second, and both batches were
applied again event by event: the seconds-long tail of the benchmark at 50 orders/s.
Locking every order of the batch in id order first makes the later locks no-ops and puts
the two batches in one queue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from shared.contracts.base import Event
from shared.hot_sql import HotStatement, any_of
from shared.observability.correlation import order_id_of

_LOCK_IN_ID_ORDER = HotStatement(
    sa.select(t.order.c.id)
    .where(any_of(t.order.c.id, "ids"))
    .order_by(t.order.c.id)
    .with_for_update()
)


def orders_of(events: Sequence[Event]) -> set[UUID]:
    """Every customer order the events name: their own, and the ones their demands serve."""
    return set(_named(events))


def _named(events: Sequence[Event]) -> Iterator[UUID]:
    for event in events:
        if (order_id := order_id_of(event)) is not None:
            yield order_id
        for demand in getattr(event, "demands", ()):
            yield demand.order_id


async def lock_orders_first(conn: AsyncConnection, events: Sequence[Event]) -> None:
    """Lock the batch's orders (those that exist yet) in id order."""
    ids = sorted(orders_of(events))
    if len(ids) > 1:  # one order alone cannot be taken in two orders
        await _LOCK_IN_ID_ORDER.fetch(conn, ids=ids)
