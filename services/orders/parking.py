"""Events about an order the service does not know yet, kept until it does.

In the normal flow an order exists before anything else is said of it: inventory reserves
only after the order's own ``order_received``. But the topics are read by separate
consumers, and after a restore (``make restore``) each replays from its offsets: inventory's
reservation for an order can be read before the channel order that creates it. Dropping it
would leave the order ``received`` for good, and its replay (same derived id) would be
skipped by the inbox. So such an event is parked, and applied in the transaction that
creates the order, under the same id it came with.

A batch of channel orders takes the parking locks of all its new orders and the events
parked for them in two statements before any is applied (``taken_first``, the consumer's
``lock_first``), instead of two statements per order; each order's creation then applies
its share at the same point as before (right after the order is inserted), so outcomes are
those of unparking order by order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import repository
from services.orders import tables as t
from services.orders.service import Unknown
from shared import contracts
from shared.consuming import Delivery, LockFirst, prepared
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.hot_sql import HotStatement, Row, any_of

log = logging.getLogger(__name__)
P = t.parked_event


class AboutOneOrder(Protocol):
    order_id: UUID


UseCase = Callable[[Delivery, Any], Awaitable[Any]]


def until_known(use_case: UseCase, *, looks_itself: bool = False) -> UseCase:
    """``use_case``, or the event parked when its order does not exist yet.

    ``looks_itself``: the use case's first statement reads the order, and it returns
    ``Unknown.ORDER`` (having written nothing) when there is none; so the common case, an
    order that exists, costs no statement of its own here."""

    async def applied_or_parked(tx: Delivery, event: AboutOneOrder) -> Any:
        # An order, once committed, stays: seen without the lock, it is known for good. Only
        # an order not seen yet takes the lock and looks again (a fresh statement, so a fresh
        # snapshot) before parking — the creation may have committed meanwhile.
        if looks_itself:
            result = await use_case(tx, event)
            if result is not Unknown.ORDER:
                return result
        elif await repository.order_exists(tx.conn, event.order_id):
            return await use_case(tx, event)
        await _order_lock(tx, event.order_id)
        if not await repository.order_exists(tx.conn, event.order_id):
            await park(tx, event.order_id)
            return None
        result = await use_case(tx, event)
        return None if result is Unknown.ORDER else result

    applied_or_parked.__name__ = getattr(use_case, "__name__", "applied_or_parked")
    return applied_or_parked


_LOCK = HotStatement(
    sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(sa.bindparam("name"), 0)))
)
_TAKE_PARKED = HotStatement(
    P.delete().where(P.c.order_id == sa.bindparam("order_id")).returning(P.c.envelope, P.c.seq)
)
_NAMES = sa.func.unnest(sa.bindparam("names", type_=ARRAY(sa.Text))).table_valued("name")
# The locks in the array's order (one scan of it): two batches cannot take them crosswise.
_LOCK_EACH = HotStatement(
    sa.select(
        sa.func.count(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(_NAMES.c.name, 0)))
    ).select_from(_NAMES)
)
_TAKE_PARKED_OF_EACH = HotStatement(
    P.delete()
    .where(any_of(P.c.order_id, "order_ids"))
    .returning(P.c.order_id, P.c.envelope, P.c.seq)
)
_TAKEN: Hashable = "orders.parking.taken"  # the key of ``taken_first``'s rows in ``prepared``


def _lock_name(order_id: UUID) -> str:
    return f"orders.parking:{order_id}"


async def _order_lock(tx: Delivery, order_id: UUID) -> None:
    """Parking and unparking one order take turns: without it, an event parked by one
    consumer while another creates the order (and finds nothing parked yet) would wait
    for ever. Whoever comes second sees what the first committed."""
    await _LOCK.execute(tx.conn, name=_lock_name(order_id))


def taken_first(order_of: Callable[[Event], UUID | None]) -> LockFirst:
    """A batch's ``lock_first``: take the parking lock of every order its events create
    (``order_of``; None for an event creating none), in id order, then — a statement
    started after the locks, so it sees every park committed before them — take what was
    parked for them; ``unpark`` then reads those rows instead of the database."""

    async def lock_and_take(conn: AsyncConnection, events: Sequence[Event]) -> None:
        order_ids = sorted({o for o in map(order_of, events) if o is not None})
        area = prepared(conn)
        if not order_ids or area is None:
            return
        await _LOCK_EACH.fetch(conn, names=[_lock_name(o) for o in order_ids])
        taken: dict[UUID, list[Row]] = {o: [] for o in order_ids}
        for row in await _TAKE_PARKED_OF_EACH.fetch(conn, order_ids=order_ids):
            taken[row.order_id].append(row)
        area[_TAKEN] = taken

    return lock_and_take


async def _take(tx: Delivery, order_id: UUID) -> list[Row]:
    """The events parked for ``order_id``, taken under its parking lock: those the batch
    took first (its lock held since), else taken now."""
    area = prepared(tx.conn)
    taken: dict[UUID, list[Row]] = area.get(_TAKEN, {}) if area is not None else {}
    if order_id in taken:
        rows, taken[order_id] = taken[order_id], []  # applied once, however often asked
        return rows
    await _order_lock(tx, order_id)
    return await _TAKE_PARKED.fetch(tx.conn, order_id=order_id)


async def park(tx: Delivery, order_id: UUID) -> None:
    log.info("%s for order %s, not known yet: parked", tx.envelope.event_type, order_id)
    row = {
        "event_id": tx.envelope.event_id,
        "order_id": order_id,
        "envelope": tx.envelope.model_dump(mode="json"),
    }
    await tx.conn.execute(insert(P).values(row).on_conflict_do_nothing())


async def unpark(tx: Delivery, order_id: UUID, routes: Mapping[type[Event], UseCase]) -> int:
    """Apply the events parked for ``order_id`` in the order they came, in ``tx``'s
    transaction; how many. Each publishes under ids derived from its own event."""
    taken = await _take(tx, order_id)
    applied = 0
    for row in sorted(taken, key=lambda r: r.seq):
        envelope = Envelope.model_validate(row.envelope)
        event = contracts.parse(envelope)
        use_case = routes.get(type(event)) if event is not None else None
        if use_case is None:
            continue
        await use_case(tx.alongside(envelope), event)
        applied += 1
    if applied:
        log.info("order %s: %d parked events applied", order_id, applied)
    return applied


def then_unparked(
    use_case: UseCase, order_of: Callable[[Any], UUID], routes: Mapping[type[Event], UseCase]
) -> UseCase:
    """``use_case`` (which may create an order), then what was parked for that order."""

    async def and_unparked(tx: Delivery, event: Any) -> Any:
        result = await use_case(tx, event)
        await unpark(tx, order_of(event), routes)
        return result

    and_unparked.__name__ = getattr(use_case, "__name__", "and_unparked")
    return and_unparked
