"""Applies a claimed batch of Shopify webhook deliveries inside one transaction (issue 14).

One delivery at a time cost about ten round trips and a commit each, and the webhook inbox
became the pipeline's bottleneck. Here the orders a batch names are locked and read in one
round trip each, every delivery is decided in memory in arrival order
(``order_changes.change``), and the new states and their events are written once for the
batch. A body that cannot become an order fails alone (deciding touches no table); a
delivery carrying refunds takes the one-at-a-time path (``apply_one``) in a savepoint of its
own. A database error propagates: the worker rolls the batch back and applies each delivery
alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors.shopify import order_changes, order_snapshot, order_sync
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.deliveries import ORDER_TOPICS, REFUND_TOPIC
from services.connectors.shopify.order_changes import ShopContext
from services.connectors.shopify.order_snapshot import OrderSnapshot
from services.connectors.shopify.order_state import StoredOrder
from shared import outbox
from shared.contracts.base import Event
from shared.messaging import is_transient

OrderKey = tuple[str, str]  # (shop, external id)


async def apply_one(conn: AsyncConnection, row: Any) -> str:
    """Apply one delivery through ``order_sync``; the outcome recorded on it."""
    topic, shop = str(row.topic), str(row.shop_domain)
    payload = orjson.loads(row.body)
    if topic in ORDER_TOPICS:
        verdict = await order_sync.apply_order(conn, shop, payload, source=f"webhook:{topic}")
        return verdict.value
    if topic == REFUND_TOPIC:
        refund = order_snapshot.read_refund(payload)
        published = await order_sync.apply_refund(conn, shop, refund, source="webhook")
        return "restocked" if published else "refund_recorded"
    return "ignored"


@dataclass
class Applied:
    """What a batch did: (webhook id, outcome) of each delivery applied, and each one that
    failed with its error (to retry later or declare dead)."""

    finished: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[Any, Exception]] = field(default_factory=list)


@dataclass
class _Book:
    """Each order's state as the batch leaves it, and what is staged but not yet written."""

    conn: AsyncConnection
    stored: dict[OrderKey, StoredOrder | None]
    contexts: dict[str, ShopContext] = field(default_factory=dict)
    staged: dict[OrderKey, tuple[StoredOrder, str]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    async def state(self, key: OrderKey) -> StoredOrder | None:
        if key in self.staged:
            return self.staged[key][0]
        if key not in self.stored:  # written by ``apply_one`` since the batch read it
            self.stored[key] = await repo.stored_order(self.conn, *key)
        return self.stored[key]

    async def context(self, shop: str) -> ShopContext:
        if shop not in self.contexts:
            self.contexts[shop] = await order_sync.shop_context(self.conn, shop)
        return self.contexts[shop]

    async def flush(self) -> None:
        """Write what is staged: each order's last state once, the events in order."""
        await repo.save_orders(
            self.conn,
            [
                (shop, external_id, state, source)
                for (shop, external_id), (state, source) in self.staged.items()
            ],
        )
        await outbox.add(self.conn, self.events)
        self.stored.update({key: state for key, (state, _) in self.staged.items()})
        self.staged.clear()
        self.events = []


@dataclass(frozen=True)
class _Read:
    row: Any
    payload: Any
    snapshot: OrderSnapshot | None  # None: not an order topic

    @property
    def key(self) -> OrderKey:
        assert self.snapshot is not None
        return (str(self.row.shop_domain), self.snapshot.external_id)


def _read(rows: Sequence[Any], applied: Applied) -> list[_Read]:
    """Parse every body; one that cannot be read fails alone."""
    reads = []
    for row in rows:
        try:
            payload = orjson.loads(row.body)
            snapshot = order_snapshot.read_order(payload) if row.topic in ORDER_TOPICS else None
        except Exception as error:
            applied.failed.append((row, error))
            continue
        reads.append(_Read(row, payload, snapshot))
    return reads


async def _decide(book: _Book, read: _Read, snapshot: OrderSnapshot) -> str:
    """Decide one order picture in memory and stage its effects; its verdict. Only the
    decision may raise for this delivery alone: it touches no table."""
    shop = str(read.row.shop_domain)
    stored = await book.state(read.key)
    context = await book.context(shop) if stored is None else None
    try:
        result = order_changes.change(stored, snapshot, read.payload, shop=shop, context=context)
    except Exception as error:
        raise _Failed(error) from error
    order_sync.warn_if_grown(shop, snapshot.external_id, result, seen_before=stored is not None)
    if result.state is not None:
        book.staged[read.key] = (result.state, f"webhook:{read.row.topic}")
        book.events.extend(result.events)
    return result.decision.verdict.value


async def _alone(book: _Book, read: _Read) -> str:
    """A delivery with refunds: after what is staged, through ``apply_one`` in a savepoint;
    an error there rolls back this delivery only."""
    await book.flush()
    try:
        async with book.conn.begin_nested():
            outcome = await apply_one(book.conn, read.row)
    except Exception as error:
        if is_transient(error):
            raise
        raise _Failed(error) from error
    finally:
        if read.snapshot is not None:
            book.stored.pop(read.key, None)
    return outcome


class _Failed(Exception):
    """This delivery failed and nothing of it was written; the batch goes on."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def apply(conn: AsyncConnection, rows: Sequence[Any]) -> Applied:
    """Apply claimed deliveries in their order, in the caller's transaction."""
    applied = Applied()
    reads = _read(rows, applied)
    keys = [read.key for read in reads if read.snapshot is not None]
    await repo.lock_orders(conn, keys)
    book = _Book(conn, {key: None for key in keys} | await repo.stored_orders(conn, keys))
    for read in reads:
        try:
            if read.snapshot is not None and not _carries_refunds(read):
                outcome = await _decide(book, read, read.snapshot)
            elif read.snapshot is not None or read.row.topic == REFUND_TOPIC:
                outcome = await _alone(book, read)
            else:
                outcome = "ignored"
        except _Failed as failed:
            applied.failed.append((read.row, failed.error))
            continue
        applied.finished.append((str(read.row.webhook_id), outcome))
    await book.flush()
    return applied


def _carries_refunds(read: _Read) -> bool:
    """True also when the refunds cannot be read: ``apply_one`` then records why."""
    try:
        return bool(order_snapshot.refunds_of(read.payload))
    except Exception:
        return True
