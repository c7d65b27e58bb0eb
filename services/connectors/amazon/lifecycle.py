"""What a polled Amazon order means for Lotline, given what we already did with it. Pure.

- ``Pending`` (and ``PendingAvailability``, a pre-order) is not demand yet: recorded
  ``pending``, no order released;
- ``Unshipped`` / ``PartiallyShipped`` of a merchant-fulfilled (MFN) order is demand: it
  becomes a Lotline order once (``published``);
- unless the buyer asked to cancel it first: ``cancel_requested`` (kept aside with the
  reason; published if Amazon later shows it without the request, dropped if cancelled);
- ``Canceled`` (or ``Unfulfillable``) before that: ``cancelled_unpublished``; after it:
  ``cancelled_after_publish``, and the cancellation is mirrored once;
- ``Shipped`` when first seen: fulfilled outside Lotline (``shipped_before_seen``); shipped
  after publication: no new demand, the order stays ``published``;
- an Amazon-fulfilled (AFN, FBA) order is never factory demand: ``fba_sale``.
"""

from __future__ import annotations

from enum import StrEnum

from services.connectors.amazon.orders import (
    DEMAND,
    ENDED,
    NOT_YET_DEMAND,
    SHIPPED,
    FulfillmentChannel,
    OrderHead,
)


class Outcome(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED_UNPUBLISHED = "cancelled_unpublished"
    CANCELLED_AFTER_PUBLISH = "cancelled_after_publish"
    SHIPPED_BEFORE_SEEN = "shipped_before_seen"
    FBA_SALE = "fba_sale"
    UNREADABLE = "unreadable"


UNDECIDED = frozenset({Outcome.PENDING, Outcome.CANCEL_REQUESTED, Outcome.UNREADABLE})


def is_sold(status: str) -> bool:
    """Whether an FBA order in this Amazon status counts as sold: not while ``Pending``
    (not paid yet), not once ``Canceled`` or ``Unfulfillable`` (an FBA sale keeps its
    outcome, its status moves on)."""
    return status not in NOT_YET_DEMAND | ENDED


def needs_items(order: OrderHead, known: Outcome | None) -> bool:
    """Whether the order's items must be read: only to publish it (its lines, and whether
    the buyer asked to cancel)."""
    return (
        (known is None or known in UNDECIDED)
        and order.fulfillment_channel is FulfillmentChannel.MERCHANT
        and order.status in DEMAND
    )


def next_outcome(order: OrderHead, known: Outcome | None, *, cancel_requested: bool) -> Outcome:
    """Where the order stands now; ``known`` is None for an order never seen.
    ``cancel_requested``: the buyer's request read on its items (only when they were read)."""
    if known is None or known in UNDECIDED:
        if order.status in ENDED:
            return Outcome.CANCELLED_UNPUBLISHED
        if order.fulfillment_channel is FulfillmentChannel.AMAZON:
            return Outcome.FBA_SALE
        if order.status in SHIPPED:
            return Outcome.SHIPPED_BEFORE_SEEN
        if order.status in DEMAND:
            return Outcome.CANCEL_REQUESTED if cancel_requested else Outcome.PUBLISHED
        return Outcome.PENDING
    if known is Outcome.PUBLISHED and order.status in ENDED:
        return Outcome.CANCELLED_AFTER_PUBLISH
    return known


def publishes(known: Outcome | None, now: Outcome) -> bool:
    """The order goes to Lotline on the move into ``published``, and only then."""
    return now is Outcome.PUBLISHED and known is not Outcome.PUBLISHED


def cancels(known: Outcome | None, now: Outcome) -> bool:
    """A cancellation is mirrored on the move from ``published``, once."""
    return known is Outcome.PUBLISHED and now is Outcome.CANCELLED_AFTER_PUBLISH
