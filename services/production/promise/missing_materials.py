"""What a re-plan keeps besides promised dates: each customer order's missing materials at
every level, published (``OrderMaterialsChanged``) only when the list changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.promise import material_wait_rules
from services.production.service import publish
from shared.contracts.production import MissingMaterial, OrderMaterialsChanged


async def record_missing(
    conn: AsyncConnection, now: Mapping[UUID, tuple[MissingMaterial, ...]]
) -> int:
    """Store and publish each order whose missing materials changed; how many did."""
    table = t.order_missing_material
    before = {
        row.order_id: tuple(MissingMaterial.model_validate(m) for m in row.missing)
        for row in await conn.execute(sa.select(table.c.order_id, table.c.missing))
    }
    news = material_wait_rules.changed(before, now)
    settled = [o for o, missing in before.items() if not missing and o not in now]
    if settled:  # told nothing is missing, and no open production serves it any more
        await conn.execute(table.delete().where(table.c.order_id.in_(settled)))
    events = []
    for order_id, missing in sorted(news.items(), key=lambda kv: str(kv[0])):
        if missing or order_id in now:
            stored = [m.model_dump(mode="json") for m in missing]
            statement = insert(table).values(order_id=order_id, missing=stored)
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.order_id],
                    set_={"missing": statement.excluded.missing, "updated_at": sa.func.now()},
                )
            )
        else:  # its production is over: forget it once it was told nothing is missing
            await conn.execute(table.delete().where(table.c.order_id == order_id))
        events.append(OrderMaterialsChanged(order_id=order_id, missing=missing))
    await publish(conn, events)
    return len(events)
