"""Subscriptions to outbound webhooks: an admin names an endpoint and the event types it
wants; the secret is made here and shown once; a subscription is disabled, enabled again
(its paused deliveries then go out) or deleted (with its delivery log). Its secret is
rotated in place: the new one is shown once, the old one signs too for a grace period."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.outbound_webhooks import delivery_rules, signature_rules
from services.connectors.outbound_webhooks import repository as repo
from services.connectors.service import ConnectorError

log = logging.getLogger(__name__)


class InvalidSubscription(ConnectorError):
    pass


class UnknownSubscription(ConnectorError):
    pass


@dataclass(frozen=True)
class Created:
    """A subscription and its new secret (made or rotated): the only time the secret leaves
    the service."""

    row: Any
    secret: str


async def create(
    engine: AsyncEngine,
    *,
    url: str,
    event_types: Collection[str],
    description: str | None,
    http_hosts: Collection[str],
    created_by: str | None = None,
) -> Created:
    problem = delivery_rules.url_problem(url, http_hosts=http_hosts)
    if problem is not None:
        raise InvalidSubscription(f"{url}: {problem}")
    unknown = sorted(set(event_types) - set(delivery_rules.EVENT_TYPES))
    if unknown or not event_types:
        raise InvalidSubscription(
            f"event types must be among {sorted(delivery_rules.EVENT_TYPES)}"
            + (f"; unknown: {unknown}" if unknown else "")
        )
    secret = signature_rules.new_secret()
    async with engine.begin() as conn:
        row = await repo.insert_subscription(
            conn,
            id=uuid4(),
            url=url,
            event_types=sorted(set(event_types)),
            description=description,
            secret=secret,
            created_by=created_by,
        )
    log.info("outbound webhook %s subscribed to %s", row.id, row.event_types)
    return Created(row, secret)


async def rotate_secret(
    engine: AsyncEngine, subscription_id: UUID, *, grace_seconds: float
) -> Created:
    """A new secret for the subscription, shown once; the one it replaces keeps signing
    deliveries beside it for ``grace_seconds`` so the receiver can switch without a gap."""
    secret = signature_rules.new_secret()
    async with engine.begin() as conn:
        row = await repo.rotate_secret(
            conn, subscription_id, secret=secret, grace_seconds=grace_seconds
        )
    if row is None:
        raise UnknownSubscription(f"unknown webhook subscription {subscription_id}")
    log.info(
        "outbound webhook %s: secret rotated; the previous one also signs until %s",
        subscription_id,
        row.previous_secret_until,
    )
    return Created(row, secret)


async def listing(engine: AsyncEngine) -> tuple[list[Any], dict[tuple[UUID, str], int]]:
    """Every subscription (without its secret) and its deliveries counted by status."""
    async with engine.connect() as conn:
        return list(await repo.subscriptions(conn)), await repo.counts(conn)


async def find(engine: AsyncEngine, subscription_id: UUID) -> Any:
    async with engine.connect() as conn:
        row = await repo.subscription(conn, subscription_id)
    if row is None:
        raise UnknownSubscription(f"unknown webhook subscription {subscription_id}")
    return row


async def set_enabled(
    engine: AsyncEngine, subscription_id: UUID, *, enabled: bool, reason: str | None = None
) -> Any:
    async with engine.begin() as conn:
        row = await repo.set_enabled(
            conn, subscription_id, enabled=enabled, reason=reason or "disabled by an admin"
        )
    if row is None:
        raise UnknownSubscription(f"unknown webhook subscription {subscription_id}")
    log.info("outbound webhook %s %s", subscription_id, "enabled" if enabled else "disabled")
    return row


async def delete(engine: AsyncEngine, subscription_id: UUID) -> None:
    async with engine.begin() as conn:
        if not await repo.delete_subscription(conn, subscription_id):
            raise UnknownSubscription(f"unknown webhook subscription {subscription_id}")
