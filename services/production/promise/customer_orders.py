"""Production's read model of customer orders: the channel, shop and shipping service each
came with (``OrderReceived``), so its promise counts that shop's handling and that carrier
service's transit (``term_rules``).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.promise.term_rules import Terms, terms_for
from shared.consuming import Delivery
from shared.contracts.orders import OrderReceived
from shared.settings import PromiseSettings


async def remember(tx: Delivery, event: OrderReceived) -> None:
    """Keep the order's channel, shop and shipping service for its promise's terms."""
    await tx.conn.execute(
        insert(t.customer_order)
        .values(
            order_id=event.order_id,
            channel=event.channel,
            shop=event.shop,
            shipping_service=event.shipping_service,
        )
        .on_conflict_do_nothing()
    )


async def terms_of(
    conn: AsyncConnection, order_ids: Iterable[UUID], settings: PromiseSettings
) -> dict[UUID, Terms]:
    """The terms of each order production has heard of; the others get the defaults."""
    wanted = list(order_ids)
    if not wanted:
        return {}
    c = t.customer_order
    rows = await conn.execute(sa.select(c).where(c.c.order_id.in_(wanted)))
    return {
        row.order_id: terms_for(
            settings, channel=row.channel, shop=row.shop, service=row.shipping_service
        )
        for row in rows
    }
