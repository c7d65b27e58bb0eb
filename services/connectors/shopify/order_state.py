"""What a newly seen snapshot of a Shopify order means, given the last one applied. Pure.

Webhooks arrive late, twice and out of order, and reconciliation re-reads orders already
seen; all of them go through ``decide``, so each change of the order is mirrored once and
an older picture never overwrites a newer one (ordered by Shopify's ``updated_at``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.connectors.shopify.order_snapshot import OrderSnapshot


class Verdict(StrEnum):
    NEW = "new"  # first sight of a live order
    NEW_CANCELLED = "new_cancelled"  # first sight, already cancelled: born cancelled
    STALE = "stale"  # not newer than what is stored: changes nothing
    CANCELLED = "cancelled"  # a live order was cancelled
    EDITED = "edited"  # quantities fell or lines were removed
    UNCHANGED = "unchanged"  # newer, but nothing Lotline mirrors changed


@dataclass(frozen=True)
class StoredOrder:
    updated_at: datetime
    cancelled_at: datetime | None
    lines: dict[str, int]


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reduced: dict[str, int] = field(default_factory=dict)  # line → its new, lower quantity
    grown: dict[str, int] = field(default_factory=dict)  # line → higher or new quantity

    @property
    def stores(self) -> bool:
        """Whether the snapshot becomes the stored state."""
        return self.verdict is not Verdict.STALE


def decide(stored: StoredOrder | None, snapshot: OrderSnapshot) -> Decision:
    """The one rule for every delivery and every reconciled order."""
    if stored is None:
        new = Verdict.NEW_CANCELLED if snapshot.cancelled_at else Verdict.NEW
        return Decision(new)
    if snapshot.updated_at <= stored.updated_at:
        return Decision(Verdict.STALE)
    if stored.cancelled_at is not None:
        return Decision(Verdict.UNCHANGED)  # a cancelled order stays cancelled
    if snapshot.cancelled_at is not None:
        return Decision(Verdict.CANCELLED)
    reduced = {
        line: snapshot.lines.get(line, 0)
        for line, before in stored.lines.items()
        if snapshot.lines.get(line, 0) < before
    }
    grown = {
        line: quantity
        for line, quantity in snapshot.lines.items()
        if quantity > stored.lines.get(line, 0)
    }
    if reduced:
        return Decision(Verdict.EDITED, reduced=reduced, grown=grown)
    return Decision(Verdict.UNCHANGED, grown=grown)


def stored_after(snapshot: OrderSnapshot) -> StoredOrder:
    return StoredOrder(snapshot.updated_at, snapshot.cancelled_at, dict(snapshot.lines))
