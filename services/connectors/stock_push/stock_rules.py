"""Stock push rules. Pure: what a shop may sell, when a change is due to be pushed, and
what a (shop, SKU) row says about drift."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.contracts.inventory import LotStatus
from shared.polling import seconds_until


@dataclass(frozen=True)
class LotStock:
    on_hand: Decimal
    reserved: Decimal
    expires_on: date | None
    status: LotStatus = LotStatus.AVAILABLE


def available_to_sell(lots: Iterable[LotStock], *, today: date) -> int:
    """On hand minus reserved over the item's unexpired lots whose status counts, in whole
    units (a shop sells whole units; an expired, recalled or quarantined lot is never sold),
    never below zero."""
    free = sum(
        (
            max(Decimal(0), lot.on_hand - lot.reserved)
            for lot in lots
            if lot.status.counts and (lot.expires_on is None or lot.expires_on >= today)
        ),
        Decimal(0),
    )
    return max(0, math.floor(free))


def due_at(
    *,
    changed_at: datetime,
    pending_since: datetime | None,
    debounce: timedelta,
    max_delay: timedelta,
) -> datetime | None:
    """When a pending change is due (None: nothing pending). Trailing debounce: push once the
    value has been still for ``debounce``, so a burst of changes is one push of the latest
    value; but never wait longer than ``max_delay`` after the first unpushed change, so a
    steady trickle of changes still reaches the shop."""
    if pending_since is None:
        return None
    return min(changed_at + debounce, pending_since + max_delay)


def is_due(
    *,
    changed_at: datetime,
    pending_since: datetime | None,
    now: datetime,
    debounce: timedelta,
    max_delay: timedelta,
) -> bool:
    """``due_at`` has come."""
    at = due_at(
        changed_at=changed_at, pending_since=pending_since, debounce=debounce, max_delay=max_delay
    )
    return at is not None and now >= at


def is_check_due(*, checked_at: datetime | None, now: datetime, interval: timedelta) -> bool:
    """A row in sync is read back from its shop ``interval`` after its last check (at once
    if it was never checked): drift made in the shop's admin is found that late at most."""
    return checked_at is None or now - checked_at >= interval


def next_turn_in(
    *,
    now: datetime,
    earliest_change: datetime | None,
    earliest_pending: datetime | None,
    earliest_check: datetime | None,
    next_lease_end: datetime | None,
    debounce: timedelta,
    max_delay: timedelta,
    reconcile_interval: timedelta,
) -> float | None:
    """Seconds until the stock push worker has something to do, from the earliest instants
    over the rows nobody holds: the earliest change and first pending change of the pending
    ones (a min over rows of ``due_at`` is ``due_at`` of the mins), the oldest check of the
    others (reconciled ``reconcile_interval`` after it), and the next lease to end (a failed
    push waits out its backoff as a lease). None: nothing will be due."""
    moments = [
        due_at(
            changed_at=earliest_change,
            pending_since=earliest_pending,
            debounce=debounce,
            max_delay=max_delay,
        )
        if earliest_change is not None
        else None,
        earliest_check + reconcile_interval if earliest_check is not None else None,
        next_lease_end,
    ]
    return seconds_until(min((m for m in moments if m is not None), default=None), now)


class SyncState(StrEnum):
    IN_SYNC = "in_sync"  # the shop shows what we want
    PENDING = "pending"  # a change waits for its push
    FAILING = "failing"  # the last push failed; it is retried
    DRIFT = "drift"  # the shop reports something else than what we set


def sync_state(
    *, intended: int, pushed: int | None, reported: int | None, pending: bool, failing: bool
) -> SyncState:
    if failing:
        return SyncState.FAILING
    if pending or pushed != intended:
        return SyncState.PENDING
    if reported is not None and reported != intended:
        return SyncState.DRIFT
    return SyncState.IN_SYNC


def drift(*, intended: int, reported: int | None) -> int | None:
    """How many units the shop shows more (+) or fewer (−) than Lotline wants."""
    return None if reported is None else reported - intended
