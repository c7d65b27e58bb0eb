"""Telling Shopify that an order shipped: a write-back row per shipment, performed later
with bounded retries; never lost.

The row is written with the inbox record when ``ShipmentDispatched`` arrives, so a
redelivery changes nothing. A worker performs it outside any transaction (Shopify is slow
and may fail): done → ``ChannelFulfilled``; refused, or still failing after the last retry →
dead → ``ChannelWriteBackFailed``. A dead row stays until an operator replays it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository
from services.connectors.config import WriteBackSettings
from services.connectors.etsy import shipment as etsy_shipment
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.receipts import CHANNEL as ETSY
from services.connectors.retrying import with_retries
from services.connectors.service import ConnectorError
from services.connectors.shopify import fulfillment as shopify_fulfillment
from services.connectors.shopify.admin import AdminError, Refused, ShopifyAdmin, default_admin_url
from services.connectors.shopify.orders import CHANNEL
from services.connectors.write_back import repository as repo
from shared import outbox
from shared.consuming import Delivery
from shared.contracts.connectors import ChannelFulfilled, ChannelWriteBackFailed
from shared.contracts.orders import ShipmentDispatched
from shared.messaging import is_transient

log = logging.getLogger(__name__)

CONSUMER = "connectors"
KIND = "fulfillment"


class UnknownWriteBack(ConnectorError):
    pass


class NotReplayable(ConnectorError):
    pass


def _payload(event: ShipmentDispatched) -> tuple[dict[str, Any], str | None]:
    """What to send, and why it cannot be sent when the shipment does not map."""
    tracking = {
        "number": event.tracking_number,
        "url": event.tracking_url,
        "company": event.carrier_company or event.carrier,
    }
    try:
        lines = shopify_fulfillment.shipped_quantities(event.lots)
    except shopify_fulfillment.UnmappableShipment as error:
        return {"lines": [], "tracking": tracking}, str(error)
    rows = [{"line_item_id": k, "quantity": v} for k, v in sorted(lines.items())]
    return {"lines": rows, "tracking": tracking}, None


async def stage_for_shipment(tx: Delivery, event: ShipmentDispatched) -> bool:
    """One write-back per shipment, committed with the inbox row; True when a new pending
    write-back awaits the worker. A shipment that cannot be mapped is born dead."""
    conn, envelope = tx.conn, tx.envelope
    if event.channel == ETSY:  # Etsy block
        payload, problem = etsy_shipment.payload(event)
        kind = etsy_shipment.KIND
    else:
        payload, problem = _payload(event)
        kind = KIND
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


@dataclass(frozen=True)
class _Target:
    client: ShopifyAdmin
    notify_customer: bool
    claimed: set[str]


async def _target(engine: AsyncEngine, http: httpx.AsyncClient, row: Any) -> _Target:
    async with engine.connect() as conn:
        shop = await repository.shop(conn, row.shop)
        claimed = await repo.claimed_fulfillments(
            conn, shop=row.shop, external_id=row.external_id, other_than=row.id
        )
    if shop is None:
        raise Refused(f"unknown shop {row.shop}")
    if shop.uninstalled_at is not None:  # issue 4: no call reaches a disabled shop
        raise Refused(f"shop {row.shop} uninstalled the app")
    if not shop.access_token:
        raise Refused(
            f"shop {row.shop} has no Admin API access token (PATCH /api/shops/{row.shop})"
        )
    url = shop.admin_api_url or default_admin_url(shop.domain)
    return _Target(ShopifyAdmin(http, url, shop.access_token), shop.notify_customer, claimed)


async def _fulfil_once(target: _Target, row: Any) -> str | None:
    """One try: read the fulfillment orders, then create the fulfillment unless Shopify
    already has it. Returns the fulfillment id (None when fulfilled without our id)."""
    order = await target.client.order_fulfilment(row.external_id)
    tracking = shopify_fulfillment.Tracking(**row.payload["tracking"])
    existing = shopify_fulfillment.existing_fulfillment(
        order.fulfillments, tracking.number, claimed=target.claimed
    )
    if existing is not None:
        return existing
    wanted = {line["line_item_id"]: int(line["quantity"]) for line in row.payload["lines"]}
    match shopify_fulfillment.plan(wanted, order):
        case shopify_fulfillment.AlreadyFulfilled(fulfillment_id=fulfillment_id):
            return fulfillment_id
        case shopify_fulfillment.CannotFulfil(reason=reason):
            raise Refused(reason)
        case shopify_fulfillment.Create(groups=groups):
            variables = shopify_fulfillment.mutation_variables(
                groups, tracking, notify_customer=target.notify_customer
            )
            return await target.client.create_fulfillment(variables)
    raise AssertionError("unreachable")  # pragma: no cover


def _channel_of(row: Any) -> str:
    return ETSY if row.kind == etsy_shipment.KIND else CHANNEL


async def _attempt(
    engine: AsyncEngine, http: httpx.AsyncClient, row: Any, etsy: EtsySettings | None
) -> Callable[[], Awaitable[str | None]]:
    """One try of the row's write-back, by kind; AdminError when it cannot even start."""
    if row.kind == etsy_shipment.KIND:  # Etsy block
        return await etsy_shipment.attempt(engine, http, row, etsy or EtsySettings())
    target = await _target(engine, http, row)
    return lambda: _fulfil_once(target, row)


async def perform(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    settings: WriteBackSettings,
    *,
    write_back_id: UUID | None = None,
    etsy: EtsySettings | None = None,
) -> bool:
    """Claim a pending write-back (the oldest, or the one named) and carry it to done or
    dead. False when there was nothing to claim."""
    async with engine.begin() as conn:
        row = await repo.claim(
            conn, lease_seconds=settings.lease_seconds, write_back_id=write_back_id
        )
    if row is None:
        return False

    async def failed(error: AdminError) -> None:
        log.warning("write-back %s failed: %s", row.id, error)
        async with engine.begin() as conn:
            await repo.record_failed_attempt(
                conn, row.id, error=str(error), lease_seconds=settings.lease_seconds
            )

    try:
        once = await _attempt(engine, http, row, etsy)
    except AdminError as error:
        await _give_up(engine, row, reason=str(error), attempts_added=1)
        return True
    try:
        fulfillment_id = await with_retries(once, settings, on_failure=failed)
    except AdminError as error:
        await _give_up(engine, row, reason=str(error), attempts_added=0)
        return True
    except Exception as error:
        if is_transient(error):
            raise  # the database is away: the lease runs out and the row is tried again
        log.exception("write-back %s failed unexpectedly", row.id)
        await _give_up(engine, row, reason=f"unexpected error: {error!r}", attempts_added=1)
        return True
    await _succeed(engine, row, fulfillment_id)
    return True


async def _succeed(engine: AsyncEngine, row: Any, fulfillment_id: str | None) -> None:
    async with engine.begin() as conn:
        done = await repo.finish(
            conn, row.id, status="done", attempts_added=1, external_fulfillment_id=fulfillment_id
        )
        if done is None:
            return
        event = ChannelFulfilled(
            order_id=row.order_id,
            shipment_id=row.shipment_id,
            channel=_channel_of(row),
            external_fulfillment_id=fulfillment_id,
        )
        await outbox.add(
            conn, [event], correlation_id=row.correlation_id, causation_id=row.causation_id
        )
    log.info("write-back %s done: fulfillment %s", row.id, fulfillment_id)


async def _give_up(engine: AsyncEngine, row: Any, *, reason: str, attempts_added: int) -> None:
    async with engine.begin() as conn:
        dead = await repo.finish(
            conn, row.id, status="dead", attempts_added=attempts_added, error=reason
        )
        if dead is None:
            return
        event = ChannelWriteBackFailed(
            order_id=row.order_id,
            shipment_id=row.shipment_id,
            channel=_channel_of(row),
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
