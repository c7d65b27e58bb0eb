"""One delivery per subscription and event, staged with the inbox record of the event (so a
redelivered event stages nothing) and sent later by the worker. The body is fixed here:
every try sends the same bytes under the same delivery id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from services.connectors.outbound_webhooks import delivery_rules
from services.connectors.outbound_webhooks import repository as repo
from shared import wakeups
from shared.consuming import Delivery
from shared.contracts.base import Event

WAKE = "outbound_webhooks"
_ENABLED = "lotline.outbound_webhooks.enabled"  # (transaction, rows) in ``conn.info``


async def _enabled(tx: Delivery) -> Sequence[Any]:
    """The enabled subscriptions, read once per transaction: a batch of events (most of
    them asked for by nobody) costs one query, not one each."""
    current = tx.conn.sync_connection.get_transaction() if tx.conn.sync_connection else None
    cached = tx.conn.info.get(_ENABLED)
    if cached is not None and current is not None and cached[0] is current:
        rows: Sequence[Any] = cached[1]
        return rows
    rows = await repo.enabled_subscriptions(tx.conn)
    tx.conn.info[_ENABLED] = (current, rows)
    return rows


async def when_event(tx: Delivery, event: Event) -> None:
    """Stage ``event`` for every enabled subscription that asked for it and existed when it
    happened (a new subscription is not sent the past)."""
    event_type = delivery_rules.public_name(event)
    if event_type is None:
        return
    envelope = tx.envelope
    subscribers = [
        row
        for row in await _enabled(tx)
        if event_type in row.event_types and row.created_at <= envelope.occurred_at
    ]
    if not subscribers:
        return
    data = event.model_dump(mode="json")
    rows = []
    for subscriber in subscribers:
        delivery_id = uuid4()
        rows.append(
            {
                "id": delivery_id,
                "subscription_id": subscriber.id,
                "event_id": envelope.event_id,
                "event_type": event_type,
                "ordering_key": delivery_rules.ordering_key(event),
                "body": delivery_rules.body(
                    delivery_id=delivery_id,
                    event_type=event_type,
                    event_id=envelope.event_id,
                    occurred_at=envelope.occurred_at,
                    data=data,
                ),
            }
        )
    if await repo.insert_deliveries(tx.conn, rows):
        wakeups.mark(tx.conn, WAKE)
