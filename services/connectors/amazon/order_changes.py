"""Orders read again because an ``ORDER_CHANGE`` notification named them.

A batch of SQS messages is parsed (``notifications``); the messages naming the same
seller's order are handled once together: the order is read with ``getOrder`` (and
``getOrderItems`` when it is about to be published) and recorded through the poller's one
path (``poller.take_order``): one Lotline order per ``AmazonOrderId``, an answer older than
the one recorded ignored. What the messages' handling left to delete is answered; the
worker deletes those only after this, so only after the order's transaction committed.

- unreadable messages (not JSON, not a notification, no ``SellerId`` / ``AmazonOrderId``)
  and notifications of other types: logged and deleted (they never become readable; a
  redrive would only keep them longer);
- a seller Lotline does not know, or Amazon refusing the request (``Refused``: the order
  unknown to it, the seller's authorisation revoked): logged and deleted — the poll, the
  reconciliation backstop, reads the seller's orders again once it can;
- Amazon unavailable or throttling past the retry budget (``RetryLater``): left on the
  queue; the message comes back once its visibility timeout passes (and the queue's redrive
  policy, when it has one, moves it aside after its ``maxReceiveCount``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository as connectors_repository
from services.connectors.amazon import notifications, poller, repository, tokens
from services.connectors.amazon.client import Seller, SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.channels.port import AdminError, RetryLater
from services.connectors.config import WriteBackSettings
from services.connectors.retrying import with_retries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """An SQS message as received: its body and the handle that deletes it."""

    message_id: str
    body: str
    receipt_handle: str


@dataclass(frozen=True)
class Handled:
    """What became of one batch: the messages to delete, and the orders taken."""

    delete: list[Message]
    orders: int
    published: int
    cancelled: int


class UnknownSeller(AdminError):
    """A notification for a seller Lotline has not connected."""


async def _failed(error: AdminError) -> None:
    log.warning("Amazon call after a notification failed: %s", error)


async def read_order_again(
    engine: AsyncEngine,
    api: SpApi,
    seller_id: str,
    order_id: str,
    *,
    settings: AmazonSettings,
    retries: WriteBackSettings,
) -> tuple[bool, bool]:
    """``getOrder`` (then its items when needed) and record it; (published, cancelled).
    Raises AdminError when Amazon could not be read or refused."""
    async with engine.connect() as conn:
        seller = await repository.seller(conn, seller_id)
    if seller is None:
        raise UnknownSeller(f"unknown Amazon seller {seller_id}")
    where = Seller(seller_id=seller_id, endpoint=settings.endpoint(seller.region))

    async def get_order() -> Any:
        return await tokens.with_token(
            engine,
            api,
            seller_id,
            lambda token: api.get_order(where, token, order_id),
            margin_seconds=settings.refresh_margin_seconds,
        )

    async def items_of(amazon_order_id: str) -> list[Any]:
        return await tokens.with_token(
            engine,
            api,
            seller_id,
            lambda token: api.get_order_items(where, token, amazon_order_id),
            margin_seconds=settings.refresh_margin_seconds,
        )

    raw = dict(await with_retries(get_order, retries, on_failure=_failed))
    async with engine.connect() as conn:
        mappings = await connectors_repository.sku_mappings(conn, seller.domain)
    published, cancelled, _ = await poller.take_order(
        engine, seller, raw, mappings, items_of=items_of, retries=retries
    )
    return published, cancelled


async def handle(
    engine: AsyncEngine,
    api: SpApi,
    messages: list[Message],
    *,
    settings: AmazonSettings,
    retries: WriteBackSettings,
) -> Handled:
    """Read again the orders the messages name; which messages may now be deleted."""
    delete: list[Message] = []
    by_order: dict[tuple[str, str], list[Message]] = {}
    for message in messages:
        try:
            parsed = notifications.parse(message.body)
        except notifications.InvalidNotification as error:
            log.error(
                "SQS message %s is not a notification, deleted: %s", message.message_id, error
            )
            delete.append(message)
            continue
        if isinstance(parsed, notifications.Ignored):
            log.info(
                "SQS message %s: %s notification ignored",
                message.message_id,
                parsed.notification_type,
            )
            delete.append(message)
            continue
        by_order.setdefault((parsed.seller_id, parsed.amazon_order_id), []).append(message)
    taken = published = cancelled = 0
    for (seller_id, order_id), group in by_order.items():
        try:
            was_published, was_cancelled = await read_order_again(
                engine, api, seller_id, order_id, settings=settings, retries=retries
            )
        except RetryLater as error:
            log.warning(
                "Amazon seller %s order %s: not read (%s); its notification stays on the queue",
                seller_id,
                order_id,
                error,
            )
            continue
        except AdminError as error:
            log.error(
                "Amazon seller %s order %s: notification dropped (%s); the poll reads it again",
                seller_id,
                order_id,
                error,
            )
            delete.extend(group)
            continue
        taken += 1
        published += was_published
        cancelled += was_cancelled
        delete.extend(group)
    return Handled(delete=delete, orders=taken, published=published, cancelled=cancelled)
