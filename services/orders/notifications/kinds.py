"""The e-mails a customer can receive about an order, and what each one needs to say.

``reference`` tells facts of one kind apart on one order, so each is mailed once:
``shipment_dispatched`` uses the shipment id, ``promise_slipped`` the date that slipped
(ISO), the other kinds happen once per order and use "".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    ORDER_CONFIRMED = "order_confirmed"
    SHIPMENT_DISPATCHED = "shipment_dispatched"
    ORDER_DELIVERED = "order_delivered"
    ORDER_CANCELLED = "order_cancelled"
    PROMISE_SLIPPED = "promise_slipped"


class InvalidNotification(ValueError):
    """A notification its template cannot be rendered from (a bug in the caller)."""


# Every kind: the order's number as the customer knows it; optionally the customer's name
# (greeting) and the shop's name (signature; the sender's display name otherwise).
COMMON_REQUIRED = frozenset({"order_number"})
COMMON_OPTIONAL = frozenset({"customer_name", "shop_name"})


@dataclass(frozen=True)
class KindSpec:
    """What a kind's templates read from the context; ``dates`` hold ISO dates."""

    kind: Kind
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()

    @property
    def fields(self) -> frozenset[str]:
        return COMMON_REQUIRED | COMMON_OPTIONAL | self.required | self.optional

    def check(self, context: Mapping[str, Any]) -> None:
        """Refuse a context that misses a required value or carries an unknown one (lot
        codes, say, which the customer is not told)."""
        missing = sorted(
            name for name in COMMON_REQUIRED | self.required if context.get(name) in (None, "")
        )
        if missing:
            raise InvalidNotification(f"{self.kind}: missing {', '.join(missing)}")
        unknown = sorted(set(context) - self.fields)
        if unknown:
            raise InvalidNotification(f"{self.kind}: unexpected {', '.join(unknown)}")


SPECS: dict[Kind, KindSpec] = {
    spec.kind: spec
    for spec in (
        # With the promised delivery date when known; else the date will follow.
        KindSpec(
            Kind.ORDER_CONFIRMED,
            optional=frozenset({"promised_on"}),
            dates=frozenset({"promised_on"}),
        ),
        # Carrier and tracking; no lot codes. ``partial``: more parcels will follow.
        KindSpec(
            Kind.SHIPMENT_DISPATCHED,
            required=frozenset({"carrier"}),
            optional=frozenset({"service", "tracking_number", "tracking_url", "partial"}),
        ),
        KindSpec(Kind.ORDER_DELIVERED),
        KindSpec(Kind.ORDER_CANCELLED, optional=frozenset({"reason"})),
        # The date that slipped, the new one when known, and why.
        KindSpec(
            Kind.PROMISE_SLIPPED,
            required=frozenset({"previous_promised_on"}),
            optional=frozenset({"promised_on", "reason"}),
            dates=frozenset({"previous_promised_on", "promised_on"}),
        ),
    )
}


def spec_of(kind: str) -> KindSpec:
    try:
        return SPECS[Kind(kind)]
    except ValueError:
        raise InvalidNotification(f"unknown notification kind {kind!r}") from None
