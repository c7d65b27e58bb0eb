"""What a polled receipt means for Lotline, given what we already did with it. Pure.

A receipt becomes a Lotline order once, when it is first seen paid. One that is cancelled
or fully refunded before that never becomes an order. One that ends after it became an
order is marked ``ended_after_publish`` for the cancellation to be mirrored. One we could
not read is kept ``unreadable`` (never dropped) and read again when Etsy changes it. One
already shipped when first seen was fulfilled outside Lotline (``shipped_before_seen``):
making it an order would reserve stock for a parcel that has left.
"""

from __future__ import annotations

from enum import StrEnum

from services.connectors.etsy.receipts import ENDED, ReceiptHead


class Outcome(StrEnum):
    PUBLISHED = "published"
    AWAITING_PAYMENT = "awaiting_payment"
    ENDED_UNPUBLISHED = "ended_unpublished"
    ENDED_AFTER_PUBLISH = "ended_after_publish"
    UNREADABLE = "unreadable"
    SHIPPED_BEFORE_SEEN = "shipped_before_seen"


def next_outcome(receipt: ReceiptHead, known: Outcome | None) -> Outcome:
    """Where the receipt stands now; ``known`` is None for a receipt never seen."""
    ended = receipt.status in ENDED
    match known:
        case None | Outcome.AWAITING_PAYMENT | Outcome.UNREADABLE:
            if ended:
                return Outcome.ENDED_UNPUBLISHED
            if receipt.is_shipped:
                return Outcome.SHIPPED_BEFORE_SEEN
            return Outcome.PUBLISHED if receipt.is_paid else Outcome.AWAITING_PAYMENT
        case Outcome.PUBLISHED:
            return Outcome.ENDED_AFTER_PUBLISH if ended else Outcome.PUBLISHED
        case _:
            return known


def publishes(known: Outcome | None, now: Outcome) -> bool:
    """The order is sent to Lotline on the move into ``published``, and only then."""
    return now is Outcome.PUBLISHED and known is not Outcome.PUBLISHED
