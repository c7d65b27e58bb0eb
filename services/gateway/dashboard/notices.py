"""The small notices pages receive when something changed, and the bounded memory of them
that lets a dropped connection catch up. Pure: no Kafka, no HTTP.

A notice id is ``<run>.<seq>``: ``run`` names this buffer's life (one gateway process, one
unbroken feed), so an id from another process or from before a gap cannot be mistaken for
one of ours, and the page is told to reload everything instead (``resync``).
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

# The topic an event came from says what it concerns, so pages refresh only what it touches.
KIND_OF_TOPIC: Final[dict[str, str]] = {
    "orders.events": "order",
    "production.events": "production",
    "inventory.events": "stock",
}


@dataclass(frozen=True)
class Notice:
    """An event reduced to what a page needs to decide what to refresh."""

    id: str
    kind: str
    event_type: str
    subject: str
    order_ids: tuple[str, ...] = ()

    def data(self) -> dict[str, Any]:
        return {
            "type": self.event_type,
            "subject": self.subject,
            "order_id": self.order_ids[0] if len(self.order_ids) == 1 else None,
            "order_ids": list(self.order_ids),
        }


def order_ids_of(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The customer orders an event concerns: its own ``order_id``, or its demands'."""
    found: list[str] = []
    if payload.get("order_id"):
        found.append(str(payload["order_id"]))
    for demand in payload.get("demands") or ():
        if isinstance(demand, Mapping) and demand.get("order_id"):
            found.append(str(demand["order_id"]))
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Catchup:
    """What a reconnecting page gets: the notices it missed, or ``resync`` if they are gone."""

    resync: bool
    notices: tuple[Notice, ...]


@dataclass
class NoticeBuffer:
    """The last ``capacity`` notices of this run, oldest first."""

    capacity: int = 1000
    run: str = field(default_factory=lambda: secrets.token_hex(4))
    seq: int = 0
    _notices: deque[Notice] = field(init=False)

    def __post_init__(self) -> None:
        self._notices = deque(maxlen=self.capacity)

    @property
    def last_id(self) -> str:
        return f"{self.run}.{self.seq}"

    def add(
        self, kind: str, event_type: str, subject: str, order_ids: tuple[str, ...] = ()
    ) -> Notice:
        self.seq += 1
        notice = Notice(f"{self.run}.{self.seq}", kind, event_type, subject, order_ids)
        self._notices.append(notice)
        return notice

    def restart(self) -> None:
        """A gap in the feed (the broker was lost): forget everything, so pages resync."""
        self.run = secrets.token_hex(4)
        self.seq = 0
        self._notices.clear()

    def since(self, last_id: str | None) -> Catchup:
        """The notices after ``last_id``; ``None`` (a fresh page) has nothing to catch up."""
        if not last_id:
            return Catchup(False, ())
        run, _, raw_seq = last_id.partition(".")
        if run != self.run or not raw_seq.isdigit() or int(raw_seq) > self.seq:
            return Catchup(True, ())
        seen = int(raw_seq)
        oldest = self._notices[0] if self._notices else None
        oldest_seq = int(oldest.id.partition(".")[2]) if oldest else self.seq + 1
        if seen + 1 < oldest_seq:
            return Catchup(True, ())
        return Catchup(False, tuple(n for n in self._notices if int(n.id.partition(".")[2]) > seen))
