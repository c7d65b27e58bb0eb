"""Telling a sales channel that an order shipped: a write-back row per shipment, performed
later with bounded retries; never lost. What the row holds and how one try goes are the
channel's own (``channels.port.SalesChannel``); this module never names a channel.

The row is written with the inbox record when ``ShipmentDispatched`` arrives, so a
redelivery changes nothing. A worker performs it outside any transaction (a channel is slow
and may fail): done → ``ChannelFulfilled``; refused, or still failing after the last retry →
dead → ``ChannelWriteBackFailed``. A dead row stays until an operator replays it.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID, uuid4

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels import registry
from services.connectors.channels.port import AdminError
from services.connectors.channels.registry import Channels, UnknownWriteBackKind
from services.connectors.config import WriteBackSettings
from services.connectors.retrying import with_retries
from services.connectors.service import ConnectorError
from services.connectors.write_back import repository as repo
from shared import outbox
from shared.consuming import Delivery
from shared.contracts.connectors import ChannelFulfilled, ChannelWriteBackFailed
from shared.contracts.orders import ShipmentDispatched
from shared.messaging import is_transient

log = logging.getLogger(__name__)

CONSUMER = "connectors"


class UnknownWriteBack(ConnectorError):
    pass


class NotReplayable(ConnectorError):
    pass


async def stage_for_shipment(
    tx: Delivery, event: ShipmentDispatched, channels: Channels | None = None
) -> bool:
    """One write-back per shipment, committed with the inbox row; True when a new pending
    write-back awaits the worker. A shipment that cannot be mapped is born dead."""
    conn, envelope = tx.conn, tx.envelope
    plan = (channels or registry.default()).get(event.channel).plan_fulfilment(event)
    kind, payload, problem = plan.kind, plan.payload, plan.problem
    write_back_id = uuid4()
    correlation_id = envelope.correlation_id or envelope.event_id
    inserted = await repo.insert_write_back(
        conn,
        id=write_back_id,
        shipment_id=event.shipment_id,
        order_id=event.order_id,
        shop=event.shop,
        external_id=event.external_id,
        kind=kind,
        payload=payload,
        status="dead" if problem else "pending",
        last_error=problem,
        correlation_id=correlation_id,
        causation_id=envelope.event_id,
    )
    if inserted and problem:
        failed = ChannelWriteBackFailed(
            order_id=event.order_id,
            shipment_id=event.shipment_id,
            channel=event.channel,
            reason=problem,
            write_back_id=write_back_id,
        )
        await outbox.add(
            conn, [failed], correlation_id=correlation_id, causation_id=envelope.event_id
        )
    return inserted and problem is None


def _channel_of(row: Any, channels: Channels) -> str:
    """The channel named in the row's events: its owner's name, else the row's own kind."""
    try:
        return channels.owning(row.kind).name
    except UnknownWriteBackKind:
        return str(row.kind)


async def perform(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    settings: WriteBackSettings,
    *,
    write_back_id: UUID | None = None,
    channels: Channels | None = None,
) -> bool:
    """Claim a pending write-back (the oldest, or the one named) and carry it to done or
    dead. False when there was nothing to claim."""
    async with engine.begin() as conn:
        row = await repo.claim(
            conn, lease_seconds=settings.lease_seconds, write_back_id=write_back_id
        )
    if row is None:
        return False
    channels = channels or registry.default()

    async def failed(error: AdminError) -> None:
        log.warning("write-back %s failed: %s", row.id, error)
        async with engine.begin() as conn:
            await repo.record_failed_attempt(
                conn, row.id, error=str(error), lease_seconds=settings.lease_seconds
            )

    try:
        once = await channels.owning(row.kind).fulfilment_attempt(engine, http, row)
    except AdminError as error:
        await _give_up(engine, row, _channel_of(row, channels), reason=str(error), attempts_added=1)
        return True
    try:
        fulfillment_id = await with_retries(once, settings, on_failure=failed)
    except AdminError as error:
        await _give_up(engine, row, _channel_of(row, channels), reason=str(error), attempts_added=0)
        return True
    except Exception as error:
        if is_transient(error):
            raise  # the database is away: the lease runs out and the row is tried again
        log.exception("write-back %s failed unexpectedly", row.id)
        await _give_up(
            engine,
            row,
            _channel_of(row, channels),
            reason=f"unexpected error: {error!r}",
            attempts_added=1,
        )
        return True
    await _succeed(engine, row, fulfillment_id, _channel_of(row, channels))
    return True


async def _succeed(engine: AsyncEngine, row: Any, fulfillment_id: str | None, channel: str) -> None:
    async with engine.begin() as conn:
        done = await repo.finish(
            conn, row.id, status="done", attempts_added=1, external_fulfillment_id=fulfillment_id
        )
        if done is None:
            return
        event = ChannelFulfilled(
            order_id=row.order_id,
            shipment_id=row.shipment_id,
            channel=channel,
            external_fulfillment_id=fulfillment_id,
        )
        await outbox.add(
            conn, [event], correlation_id=row.correlation_id, causation_id=row.causation_id
        )
    log.info("write-back %s done: fulfillment %s", row.id, fulfillment_id)


async def _give_up(
    engine: AsyncEngine, row: Any, channel: str, *, reason: str, attempts_added: int
) -> None:
    async with engine.begin() as conn:
        dead = await repo.finish(
            conn, row.id, status="dead", attempts_added=attempts_added, error=reason
        )
        if dead is None:
            return
        event = ChannelWriteBackFailed(
            order_id=row.order_id,
            shipment_id=row.shipment_id,
            channel=channel,
            reason=reason,
            write_back_id=row.id,
        )
        await outbox.add(
            conn, [event], correlation_id=row.correlation_id, causation_id=row.causation_id
        )
    log.error("write-back %s is dead: %s", row.id, reason)


async def replay(engine: AsyncEngine, write_back_id: UUID) -> Any:
    """dead → pending, attempts reset: the operator's answer to a dead write-back."""
    async with engine.begin() as conn:
        row = await repo.replay(conn, write_back_id)
        if row is None:
            current = await repo.get(conn, write_back_id)
            if current is None:
                raise UnknownWriteBack(f"unknown write-back {write_back_id}")
            raise NotReplayable(f"write-back {write_back_id} is {current.status}, not dead")
    return row


async def find(engine: AsyncEngine, write_back_id: UUID) -> Any:
    async with engine.connect() as conn:
        row = await repo.get(conn, write_back_id)
    if row is None:
        raise UnknownWriteBack(f"unknown write-back {write_back_id}")
    return row


async def listing(
    engine: AsyncEngine, *, status: str | None, limit: int, offset: int = 0
) -> list[Any]:
    async with engine.connect() as conn:
        return list(await repo.list_write_backs(conn, status=status, limit=limit, offset=offset))
