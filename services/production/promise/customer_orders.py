"""Production's read model of customer orders: the channel, shop and shipping service each
came with (``OrderReceived``), so its promise counts that shop's handling and that carrier
service's transit (``term_rules``).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.promise.term_rules import Terms, terms_for
from shared.consuming import Delivery
from shared.contracts.orders import OrderReceived
from shared.hot_sql import HotStatement, bound
from shared.settings import PromiseSettings

_REMEMBER = HotStatement(
    insert(t.customer_order)
    .values(bound("order_id", "channel", "shop", "shipping_service"))
    .on_conflict_do_nothing()
)
_TERMS = HotStatement(
    sa.select(t.customer_order).where(
        t.customer_order.c.order_id
        == sa.any_(sa.bindparam("ids", type_=ARRAY(PgUUID(as_uuid=True))))
    )
)


async def remember(tx: Delivery, event: OrderReceived) -> None:
    """Keep the order's channel, shop and shipping service for its promise's terms."""
    await _REMEMBER.execute(
        tx.conn,
        order_id=event.order_id,
        channel=event.channel,
        shop=event.shop,
        shipping_service=event.shipping_service,
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
