"""Ids of the events a consumed event causes, the same every time it is applied.

A consumer applies an event once per service (its inbox), so what it publishes in that
transaction can be named after the cause: ``uuid5(cause, "<service>/<n>")`` for the n-th
event staged. Applied again on a restored database (``make restore``), the same event
yields the same ids, and consumers that already saw them skip them (their inbox) instead
of applying a second reservation or shipment. Anything staged outside such a transaction
(an API call, a worker) keeps a random id: it may legitimately run twice for one cause.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from uuid import UUID, uuid5

from sqlalchemy.ext.asyncio import AsyncConnection

_KEY = "lotline.applying"  # in the connection's info, for one transaction only


@dataclass
class Applying:
    """The events this transaction recorded in its inbox, and how many each has caused."""

    consumer: str
    staged: dict[UUID, int] = field(default_factory=dict)

    def next_ids(self, cause: UUID, count: int) -> list[UUID]:
        first = self.staged[cause]
        self.staged[cause] = first + count
        return [uuid5(cause, f"{self.consumer}/{n}") for n in range(first, first + count)]


@contextmanager
def applying(conn: AsyncConnection, consumer: str, causes: set[UUID]) -> Iterator[None]:
    """While the block runs, events staged on ``conn`` with one of ``causes`` as their
    cause get derived ids (``causes``: events this transaction recorded in its inbox)."""
    conn.info[_KEY] = Applying(consumer, dict.fromkeys(causes, 0))
    try:
        yield
    finally:
        conn.info.pop(_KEY, None)  # the pooled connection outlives the transaction


def ids_for(conn: AsyncConnection, cause: UUID | None, count: int) -> list[UUID] | None:
    """Derived ids for ``count`` events caused by ``cause``, or None when the transaction
    is not applying that event (the caller then draws random ones)."""
    state: Applying | None = conn.info.get(_KEY)
    if cause is None or state is None or cause not in state.staged:
        return None
    return state.next_ids(cause, count)


def also_applying(conn: AsyncConnection, cause: UUID) -> None:
    """Count ``cause`` among the events this transaction applies: an event consumed earlier
    and kept aside (orders' parking), applied now exactly once, in this transaction."""
    state: Applying | None = conn.info.get(_KEY)
    if state is not None:
        state.staged.setdefault(cause, 0)
