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


def is_due(
    *,
    changed_at: datetime,
    pending_since: datetime | None,
    now: datetime,
    debounce: timedelta,
    max_delay: timedelta,
) -> bool:
    """Trailing debounce: push once the value has been still for ``debounce``, so a burst of
    changes is one push of the latest value; but never wait longer than ``max_delay`` after
    the first unpushed change, so a steady trickle of changes still reaches the shop."""
    if pending_since is None:
        return False
    return now - changed_at >= debounce or now - pending_since >= max_delay


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
