"""What a newly seen picture of a WooCommerce order means, given what Lotline already did
with the order. Pure.

Webhooks arrive late, twice and out of order, and reconciliation re-reads orders already
seen; every picture goes through ``decide``. A picture older than the one applied
(``date_modified_gmt``) changes nothing. One of the same second goes through the lifecycle,
which only moves forward (awaiting → published → ended), so applying it twice, or a
same-second older one, is harmless: WooCommerce's timestamps have one-second resolution and
a pending → processing change within one second must not be lost.

An order becomes a Lotline order once, on its first picture in ``processing``. One that
ends (cancelled, refunded, failed, deleted) before that never becomes one; one that ends
after is cancelled in Lotline once. One first seen ``completed`` was shipped by the shop
itself: it is never demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.connectors.woocommerce.orders import Stage


class Outcome(StrEnum):
    PUBLISHED = "published"
    AWAITING_PAYMENT = "awaiting_payment"
    ENDED_UNPUBLISHED = "ended_unpublished"
    ENDED_AFTER_PUBLISH = "ended_after_publish"
    SHIPPED_BEFORE_SEEN = "shipped_before_seen"


class Action(StrEnum):
    NOTHING = "nothing"
    PUBLISH = "publish"  # InboundOrderReceived
    CANCEL = "cancel"  # ChannelOrderCancelled


@dataclass(frozen=True)
class Stored:
    outcome: Outcome
    modified_at: datetime


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    action: Action
    stale: bool = False


def next_outcome(stage: Stage, known: Outcome | None) -> Outcome:
    match known:
        case None | Outcome.AWAITING_PAYMENT:
            match stage:
                case Stage.ENDED:
                    return Outcome.ENDED_UNPUBLISHED
                case Stage.SHIPPED_BY_SHOP:
                    return Outcome.SHIPPED_BEFORE_SEEN
                case Stage.DEMAND:
                    return Outcome.PUBLISHED
                case _:
                    return Outcome.AWAITING_PAYMENT
        case Outcome.PUBLISHED:
            return Outcome.ENDED_AFTER_PUBLISH if stage is Stage.ENDED else Outcome.PUBLISHED
        case _:
            return known


def decide(stored: Stored | None, stage: Stage, modified_at: datetime) -> Decision:
    """The one rule for every webhook and every reconciled order."""
    if stored is not None and modified_at < stored.modified_at:
        return Decision(stored.outcome, Action.NOTHING, stale=True)
    known = stored.outcome if stored is not None else None
    now = next_outcome(stage, known)
    if now is Outcome.PUBLISHED and known is not Outcome.PUBLISHED:
        return Decision(now, Action.PUBLISH)
    if now is Outcome.ENDED_AFTER_PUBLISH and known is Outcome.PUBLISHED:
        return Decision(now, Action.CANCEL)
    return Decision(now, Action.NOTHING)


def deleted(stored: Stored | None) -> Decision:
    """``order.deleted`` (trashed or deleted for good): the end, whatever its timestamp."""
    if stored is not None and stored.outcome is Outcome.PUBLISHED:
        return Decision(Outcome.ENDED_AFTER_PUBLISH, Action.CANCEL)
    known = stored.outcome if stored is not None else None
    return Decision(next_outcome(Stage.ENDED, known), Action.NOTHING)
