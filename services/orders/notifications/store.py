"""Notifications as rows of ``orders_notification``: staged in the transaction of the fact
they announce, taken by the sender, and read back for the order's timeline.

One row per (order, kind, reference): a trigger delivered twice stages nothing the second
time, so the customer is mailed once.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders.notifications.kinds import InvalidNotification, spec_of
from services.orders.notifications.locales import SUPPORTED
from services.orders.tables import notification as N
from shared import gathered_rows, wakeups
from shared.hot_sql import HotStatement, bound

MAX_ERROR_LENGTH = 1000
WAKE = "mail"  # the mark (``shared.wakeups``) of a transaction that staged a notification


class Status(StrEnum):
    PENDING = "pending"  # waiting for the sender (after a failed attempt too)
    SENT = "sent"
    FAILED = "failed"  # given up: permanent error or out of attempts
    SKIPPED = "skipped"  # never to be sent (no address, channel mails its customers itself)


@dataclass(frozen=True)
class PendingNotification:
    id: UUID
    order_id: UUID
    kind: str
    locale: str
    recipient: str
    context: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class NotificationRecord:
    """A notification as the order's timeline tells it; ``detail`` is the last error or
    the reason it was skipped."""

    id: UUID
    kind: str
    reference: str
    locale: str
    recipient: str | None
    status: Status
    attempts: int
    detail: str | None
    created_at: datetime
    sent_at: datetime | None


def notification_id(order_id: UUID, kind: str, reference: str) -> UUID:
    """The same fact always gets the same id (and so the same Message-ID)."""
    return uuid5(NAMESPACE_URL, f"lotline:notification:{order_id}:{kind}:{reference}")


def _recipient_problem(recipient: str | None) -> str | None:
    if recipient is None or not recipient.strip():
        return "no e-mail address for the customer"
    if "@" not in recipient or any(c in recipient for c in "\r\n,; <>"):
        return f"not an e-mail address: {recipient.strip()[:200]!r}"
    return None


_STAGE_FIELDS = (
    "id",
    "order_id",
    "kind",
    "reference",
    "locale",
    "recipient",
    "context",
    "status",
    "last_error",
)
# Written through ``shared.gathered_rows``: within a consumed batch, with the batch's other
# notifications in one statement at its end (nothing in the transaction reads them back).
_STAGE = HotStatement(insert(N).values(bound(*_STAGE_FIELDS)).on_conflict_do_nothing())


async def stage(
    conn: AsyncConnection,
    *,
    order_id: UUID,
    kind: str,
    reference: str = "",
    locale: str,
    recipient: str | None,
    context: Mapping[str, Any],
    skip_reason: str | None = None,
) -> None:
    """Record a notification in the caller's transaction, unless this fact was already
    staged (then nothing changes: the first one stands). ``skip_reason`` (e.g. the channel
    mails its customers itself) or a missing address records it as skipped instead of
    pending. Within a consumed batch the row is written at the batch's end
    (``shared.gathered_rows``), so the same transaction does not see it."""
    spec_of(kind).check(context)
    if locale not in SUPPORTED:
        raise InvalidNotification(f"no templates for locale {locale!r}")
    problem = skip_reason or _recipient_problem(recipient)
    row = {
        "id": notification_id(order_id, kind, reference),
        "order_id": order_id,
        "kind": kind,
        "reference": reference,
        "locale": locale,
        "recipient": recipient.strip() if recipient else None,
        "context": json.loads(json.dumps(dict(context), default=str)),
        "status": Status.SKIPPED.value if problem else Status.PENDING.value,
        "last_error": problem,
    }
    await gathered_rows.insert(conn, _STAGE, row)
    wakeups.mark(conn, WAKE)  # the sender looks as soon as this is committed


def _ids(name: str, ids: Collection[UUID]) -> sa.BindParameter[Any]:
    """The ids as one array parameter (``= ANY``, ``!= ALL``): one SQL text whatever their
    number, where an IN list is expanded per length (and each length is prepared anew)."""
    return sa.bindparam(name, list(ids), type_=ARRAY(N.c.id.type))


async def pending(
    conn: AsyncConnection, limit: int = 20, *, exclude: Collection[UUID] = ()
) -> list[PendingNotification]:
    """The oldest pending notifications (at most ``limit``, but for those in ``exclude``),
    locked for this transaction in one statement; rows another sender holds are skipped, so
    two senders never mail the same notification at once."""
    query = (
        sa.select(
            N.c.id, N.c.order_id, N.c.kind, N.c.locale, N.c.recipient, N.c.context, N.c.attempts
        )
        .where(N.c.status == Status.PENDING)
        .order_by(N.c.created_at, N.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if exclude:
        query = query.where(N.c.id != sa.all_(_ids("excluded", exclude)))
    return [
        PendingNotification(
            id=r.id,
            order_id=r.order_id,
            kind=r.kind,
            locale=r.locale,
            recipient=r.recipient,
            context=r.context,
            attempts=r.attempts,
        )
        for r in await conn.execute(query)
    ]


async def mark_sent(conn: AsyncConnection, notification_ids: Collection[UUID]) -> None:
    """Record one more attempt, successful, on each of ``notification_ids`` (rows this
    transaction holds, read by ``pending``), in one statement."""
    if not notification_ids:
        return
    await conn.execute(
        N.update()
        .where(N.c.id == sa.any_(_ids("sent", notification_ids)))
        .values(
            status=Status.SENT, attempts=N.c.attempts + 1, last_error=None, sent_at=sa.func.now()
        )
    )


async def mark_failed(
    conn: AsyncConnection, notification_id: UUID, *, attempts: int, error: str, give_up: bool
) -> None:
    """Record a failed attempt; it stays pending for another one unless ``give_up``."""
    await conn.execute(
        N.update()
        .where(N.c.id == notification_id)
        .values(
            status=Status.FAILED if give_up else Status.PENDING,
            attempts=attempts,
            last_error=error[:MAX_ERROR_LENGTH],
        )
    )


async def for_order(conn: AsyncConnection, order_id: UUID) -> list[NotificationRecord]:
    """Every notification of an order, oldest first, with its delivery result."""
    rows = await conn.execute(
        sa.select(N).where(N.c.order_id == order_id).order_by(N.c.created_at, N.c.id)
    )
    return [
        NotificationRecord(
            id=r.id,
            kind=r.kind,
            reference=r.reference,
            locale=r.locale,
            recipient=r.recipient,
            status=Status(r.status),
            attempts=r.attempts,
            detail=r.last_error,
            created_at=r.created_at,
            sent_at=r.sent_at,
        )
        for r in rows
    ]
