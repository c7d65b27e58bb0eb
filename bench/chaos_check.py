"""Pure: what ``make chaos`` checks once the faults are over, over rows read from every
database (and the lot samples taken during the run). No I/O here: each function takes plain
rows and returns what is wrong, so a unit test can show each check catches its violation.

The invariants (docs/DESIGN invariants 1–4, 9):
- every accepted order (a 2xx for a webhook or a manual order) is exactly one order;
- no order line is reserved more than it asked for, no (order, line, lot) reserved twice;
  no notification, shipment or write-back recorded twice for one fact;
- reserved ≤ on hand and on hand ≥ 0 for every lot in every sample taken during the run;
- every lot's on hand equals the sum of its movements;
- every order has settled (none left in ``received``), a cancelled one holds no stock;
- no outbox row is left unpublished, no process is left down by its supervisor.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

UNSETTLED = frozenset({"received"})


@dataclass(frozen=True)
class OrderFact:
    channel: str
    external_id: str
    order_id: str
    status: str


@dataclass(frozen=True)
class LotSample:
    at: float  # epoch seconds
    lot_code: str
    on_hand: Decimal
    reserved: Decimal


@dataclass(frozen=True)
class Reservation:
    order_id: str
    line_no: int
    lot_code: str
    quantity: Decimal


def lost_and_duplicated(
    accepted: Iterable[tuple[str, str]], orders: Iterable[OrderFact]
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], int]]:
    """Accepted (channel, external id) pairs with no order, and those with more than one."""
    count = Counter((o.channel, o.external_id) for o in orders)
    wanted = set(accepted)
    lost = sorted(key for key in wanted if count[key] == 0)
    duplicated = {key: n for key, n in count.items() if key in wanted and n > 1}
    return lost, duplicated


def unsettled(orders: Iterable[OrderFact]) -> list[OrderFact]:
    """Orders still in a state nobody acts on (``received``: never reserved nor held)."""
    return [o for o in orders if o.status in UNSETTLED]


def wrongly_not_cancelled(
    cancelled: Iterable[tuple[str, str]], orders: Iterable[OrderFact]
) -> list[OrderFact]:
    """Orders whose cancellation was accepted but which did not end cancelled."""
    wanted = set(cancelled)
    return [o for o in orders if (o.channel, o.external_id) in wanted and o.status != "cancelled"]


def repeated(keys: Iterable[Any]) -> dict[Any, int]:
    """Keys seen more than once (a reservation, a notification, a write-back twice)."""
    return {key: n for key, n in Counter(keys).items() if n > 1}


def mailed_twice_as_different_messages(mails: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Notifications mailed under more than one Message-ID: the customer would see two
    e-mails. Mail is at-least-once: a resend after a crash between the SMTP answer and the
    commit carries the same Message-ID (mail clients and servers fold it into one), so the
    same id twice is a resend, not a duplicate."""
    ids: dict[str, set[str]] = {}
    for notification, message_id in mails:
        ids.setdefault(notification, set()).add(message_id)
    return {n: len(found) for n, found in ids.items() if len(found) > 1}


def resent(mails: Iterable[tuple[str, str]]) -> int:
    """How many e-mails were a resend of one already sent (same notification, same id)."""
    pairs = list(mails)
    return len(pairs) - len(set(pairs))


def over_reserved(
    requested: Mapping[tuple[str, int], Decimal], reservations: Iterable[Reservation]
) -> dict[tuple[str, int], tuple[Decimal, Decimal]]:
    """Order lines reserved more than they asked for: (requested, reserved)."""
    total: dict[tuple[str, int], Decimal] = {}
    for r in reservations:
        key = (r.order_id, r.line_no)
        total[key] = total.get(key, Decimal(0)) + r.quantity
    return {
        key: (requested.get(key, Decimal(0)), got)
        for key, got in total.items()
        if got > requested.get(key, Decimal(0))
    }


def holding_after_cancel(
    cancelled_order_ids: Iterable[str], reservations: Iterable[Reservation]
) -> list[Reservation]:
    """Stock still reserved for orders that ended cancelled."""
    gone = set(cancelled_order_ids)
    return [r for r in reservations if r.order_id in gone]


def oversold(samples: Iterable[LotSample]) -> list[LotSample]:
    """Samples where a lot was reserved beyond its stock, or its stock went negative."""
    return [s for s in samples if s.reserved > s.on_hand or s.on_hand < 0]


def ledger_mismatches(
    on_hand: Mapping[str, Decimal], movements: Iterable[tuple[str, Decimal]]
) -> dict[str, tuple[Decimal, Decimal]]:
    """Lots whose on hand is not the sum of their movements: (on hand, sum)."""
    moved: dict[str, Decimal] = {}
    for lot, quantity in movements:
        moved[lot] = moved.get(lot, Decimal(0)) + quantity
    return {
        lot: (have, moved.get(lot, Decimal(0)))
        for lot, have in on_hand.items()
        if have != moved.get(lot, Decimal(0))
    }


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def restarts_in_log(text: str) -> tuple[dict[str, int], list[str]]:
    """Per process, how often the supervisor's log says it started it again; and the
    processes it gave up on (a crash loop)."""
    started: Counter[str] = Counter()
    given_up = []
    for line in text.splitlines():
        if " supervisor: " not in line:
            continue
        message = line.split(" supervisor: ", 1)[1]
        name = message.split(" ", 1)[0]
        if message.startswith(f"{name} started again"):
            started[name] += 1
        elif "crash loop" in message:
            given_up.append(name)
    return dict(started), given_up


@dataclass(frozen=True)
class Findings:
    """Everything the checker found; ``violations`` says which break an invariant."""

    lost: list[tuple[str, str]]
    duplicated: dict[tuple[str, str], int]
    unsettled: list[OrderFact]
    not_cancelled: list[OrderFact]
    duplicate_reservations: dict[Any, int]
    over_reserved: dict[tuple[str, int], tuple[Decimal, Decimal]]
    held_after_cancel: list[Reservation]
    duplicate_effects: dict[str, dict[Any, int]]  # notification / shipment / write-back
    oversold: list[LotSample]
    ledger: dict[str, tuple[Decimal, Decimal]]
    ledger_api: list[Any]  # GET /api/ledger/mismatches
    unpublished: dict[str, int]  # outbox rows per service
    dead_letters: int
    given_up: list[str]  # processes the supervisor left down
    unaccepted: int  # deliveries the driver never got a 2xx for

    def violations(self) -> list[str]:
        checks: list[tuple[str, object]] = [
            ("lost orders", self.lost),
            ("duplicated orders", self.duplicated),
            ("orders not settled", self.unsettled),
            ("cancelled orders not cancelled", self.not_cancelled),
            ("duplicate reservations", self.duplicate_reservations),
            ("lines reserved beyond their quantity", self.over_reserved),
            ("stock still reserved for cancelled orders", self.held_after_cancel),
            ("oversold lot samples", self.oversold),
            ("ledger mismatches", self.ledger),
            ("ledger mismatches (API)", self.ledger_api),
            ("processes left down", self.given_up),
        ]
        found = [f"{name}: {len(value)}" for name, value in checks if value]  # type: ignore[arg-type]
        found += [f"duplicate {k}: {len(v)}" for k, v in self.duplicate_effects.items() if v]
        if any(self.unpublished.values()):
            found.append(f"unpublished outbox rows: {self.unpublished}")
        if self.dead_letters:
            found.append(f"dead letters: {self.dead_letters}")
        if self.unaccepted:
            found.append(f"deliveries never accepted: {self.unaccepted}")
        return found
