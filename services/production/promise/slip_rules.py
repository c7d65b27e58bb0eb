"""Pure: a later date is published only once the plan has kept it for a moment.

Production's read models follow inventory through separate events (a goods receipt changes a
purchase order's remaining quantity and a batch's shortage in one inventory transaction, but
production may apply one a moment before the other). A re-plan in between can compute a
later date that no real change supports, and a slip is what customers are e-mailed about.
So a slip waits: it is published when the same later date is still the plan's answer
``CONFIRM_SECONDS`` after it first appeared. An earlier date, a first date, or the old date
coming back is published (or forgotten) at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

CONFIRM_SECONDS = 2.0


@dataclass
class PendingSlips:
    """Later dates seen but not published yet: order → (date, when first seen)."""

    seen: dict[UUID, tuple[date, float]] = field(default_factory=dict)

    def publishable(
        self, stored: Mapping[UUID, date], planned: Mapping[UUID, date], *, now: float
    ) -> set[UUID]:
        """The orders whose planned date may be published now; the other slips wait."""
        ready: set[UUID] = set()
        for order_id, new in planned.items():
            old = stored.get(order_id)
            if old is None or new <= old:
                self.seen.pop(order_id, None)
                if new != old:
                    ready.add(order_id)
                continue
            first = self.seen.get(order_id)
            if first is None or first[0] != new:
                self.seen[order_id] = (new, now)
            elif now - first[1] >= CONFIRM_SECONDS:
                del self.seen[order_id]
                ready.add(order_id)
        for order_id in list(self.seen):
            if order_id not in planned:
                del self.seen[order_id]
        return ready

    @property
    def waiting(self) -> bool:
        return bool(self.seen)
