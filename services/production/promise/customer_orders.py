"""Production's read model of customer orders: the channel, shop and shipping service each
came with (``OrderReceived``), so its promise counts that shop's handling and that carrier
service's transit (``term_rules``).

Every order is received once, and most never need production: the orders a consumed batch
receives are remembered together, in one statement at the end of its transaction
(``Delivery.once_before_commit``), not one statement each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.promise.term_rules import Terms, terms_for
from shared.consuming import Delivery
from shared.contracts.orders import OrderReceived
from shared.hot_sql import HotStatement, any_of, unnest_rows
from shared.settings import PromiseSettings

_REMEMBER = HotStatement(
    insert(t.customer_order)
    .from_select(
        ["order_id", "channel", "shop", "shipping_service"],
        sa.select(
            unnest_rows(
                order_ids=t.customer_order.c.order_id,
                channels=t.customer_order.c.channel,
                shops=t.customer_order.c.shop,
                services=t.customer_order.c.shipping_service,
            )
        ),
    )
    .on_conflict_do_nothing()
)
_RECEIVED = "production: customer orders received in the transaction"
_TERMS = HotStatement(sa.select(t.customer_order).where(any_of(t.customer_order.c.order_id, "ids")))


async def remember(tx: Delivery, event: OrderReceived) -> None:
    """Keep the order's channel, shop and shipping service for its promise's terms, with
    the other orders of the batch, before its commit."""
    tx.once_before_commit(_RECEIVED, _Received(tx.conn)).note(event)


@dataclass
class _Received:
    """The orders one consumed transaction received; called once at its end, it stores
    them in one statement. The first terms seen for an order win, as they do across
    transactions (an order's terms never change)."""

    conn: AsyncConnection
    terms: dict[UUID, tuple[str, str | None, str | None]] = field(default_factory=dict)

    def note(self, event: OrderReceived) -> None:
        self.terms.setdefault(event.order_id, (event.channel, event.shop, event.shipping_service))

    async def __call__(self) -> None:
        await remember_all(self.conn, self.terms)


async def remember_all(
    conn: AsyncConnection, terms: dict[UUID, tuple[str, str | None, str | None]]
) -> None:
    """Store each order's (channel, shop, shipping service) unless it is known already."""
    if not terms:
        return
    values = list(terms.values())
    await _REMEMBER.execute(
        conn,
        order_ids=list(terms),
        channels=[channel for channel, _, _ in values],
        shops=[shop for _, shop, _ in values],
        services=[service for _, _, service in values],
    )


async def terms_of(
    conn: AsyncConnection, order_ids: Iterable[UUID], settings: PromiseSettings
) -> dict[UUID, Terms]:
    """The terms of each order production has heard of; the others get the defaults."""
    wanted = list(order_ids)
    if not wanted:
        return {}
    rows = await _TERMS.fetch(conn, ids=wanted)
    return {
        row.order_id: terms_for(
            settings, channel=row.channel, shop=row.shop, service=row.shipping_service
        )
        for row in rows
    }
