"""Staging inventory's events with the causality of the event or request behind them, and
a ``LotChanged`` snapshot of every lot a transaction changed.

A request (an API call, a worker: ``publish(conn, …)``) stages its snapshots with its
events, once per call. A consumed event (``publish(tx, …)`` with its ``Delivery``) stages
its events at once, but only notes the lots it touched: at the end of the consumed
transaction — after every event of the batch was applied, before the commit
(``Delivery.once_before_commit``) — each lot touched is bumped once and its ONE snapshot
staged, and the reorder point of each item touched is checked once. A batch of ten
reservations on one lot thus publishes one snapshot of it (the newest, which is all that
production, trace and the connectors keep: ``shared.snapshots.keep_newest``), not ten.

A coalesced snapshot is caused by the FIRST event of the transaction that touched its lot:
it carries that event's correlation id and names it as its cause (its id derived from it,
after that event's own events). Its revision is one above the lot's previous snapshot,
however many events of the batch changed the lot; revisions still only grow per lot (the
bump takes the lot's row lock, and the outbox row is written in the same transaction).

The lots noted live in the transaction's before-commit scope (shared by the deliveries of
a batch, gone with it), never on the pooled connection. An event of a batch that fails
rolls the whole batch back, and each is then applied alone (``shared.messaging``): each
then stages its own snapshots. A lot noted in a savepoint that was rolled back is bumped
all the same: a snapshot of a lot that did not change is harmless (same figures, a higher
revision); one that no longer exists (its insert rolled back) has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory.replenishment import reorder_watch
from services.inventory.stock import lot_repository
from shared import outbox
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope

_SNAPSHOTS = "inventory: lot snapshots at the end of the transaction"


async def publish(
    to: AsyncConnection | Delivery,
    events: Sequence[Event],
    *,
    cause: Envelope | None = None,
    touched_lots: Sequence[int] = (),
) -> None:
    """Stage ``events`` plus a fresh snapshot of every lot in ``touched_lots``, and check the
    changed items' reorder points, in the same transaction.

    ``to`` a connection (a request): all of it now, caused by ``cause`` if given. ``to`` a
    consumer's ``Delivery``: its events now, caused by the consumed event; the snapshots
    and the reorder check once per transaction, at its end (see the module docstring)."""
    if isinstance(to, Delivery):
        if cause is not None:
            raise ValueError("a delivery's events are caused by the event consumed")
        await to.publish(events)
        if touched_lots:
            to.once_before_commit(_SNAPSHOTS, _TouchedLots(to.conn)).note(to, touched_lots)
        return
    snapshots = await lot_repository.bump_lots(to, touched_lots)
    await reorder_watch.raise_suggestions(to, [s.item_code for s in snapshots])
    await outbox.add(
        to,
        [*events, *snapshots],
        correlation_id=(cause.correlation_id or cause.event_id) if cause else None,
        causation_id=cause.event_id if cause else None,
    )


@dataclass
class _TouchedLots:
    """The lots one consumed transaction touched, each with the first delivery touching it;
    called once at the transaction's end, it stages their snapshots."""

    conn: AsyncConnection
    first_touch: dict[int, Delivery] = field(default_factory=dict)

    def note(self, tx: Delivery, lot_ids: Sequence[int]) -> None:
        for lot_id in lot_ids:
            self.first_touch.setdefault(lot_id, tx)

    async def __call__(self) -> None:
        snapshots = await lot_repository.bump_lots_by_id(self.conn, list(self.first_touch))
        await reorder_watch.raise_suggestions(self.conn, [s.item_code for s in snapshots.values()])
        # one outbox add per causing delivery, in the order they first touched a lot
        by_cause = {id(tx): (tx, list[Event]()) for tx in self.first_touch.values()}
        for lot_id, snapshot in snapshots.items():  # in lot id order
            by_cause[id(self.first_touch[lot_id])][1].append(snapshot)
        for tx, staged in by_cause.values():
            if staged:
                await tx.publish(staged)
