"""What a re-plan keeps besides promised dates: each customer order's missing materials at
every level, published (``OrderMaterialsChanged``) only when the list changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.promise import material_wait_rules
from services.production.service import publish
from shared.contracts.production import MissingMaterial, OrderMaterialsChanged
from shared.hot_sql import HotStatement, any_of

_T = t.order_missing_material
_ALL = HotStatement(sa.select(_T.c.order_id, _T.c.missing))
_FORGET = HotStatement(_T.delete().where(any_of(_T.c.order_id, "ids")))


def _store() -> HotStatement:
    statement = insert(_T).values(
        order_id=sa.bindparam("order_id"), missing=sa.bindparam("missing")
    )
    return HotStatement(
        statement.on_conflict_do_update(
            index_elements=[_T.c.order_id],
            set_={"missing": statement.excluded.missing, "updated_at": sa.func.now()},
        )
    )


_STORE = _store()


async def record_missing(
    conn: AsyncConnection, now: Mapping[UUID, tuple[MissingMaterial, ...]]
) -> int:
    """Store and publish each order whose missing materials changed; how many did."""
    before = {
        row.order_id: tuple(MissingMaterial.model_validate(m) for m in row.missing)
        for row in await _ALL.fetch(conn)
    }
    news = material_wait_rules.changed(before, now)
    settled = [o for o, missing in before.items() if not missing and o not in now]
    if settled:  # told nothing is missing, and no open production serves it any more
        await _FORGET.execute(conn, ids=settled)
    events = []
    stored: list[dict[str, Any]] = []
    over: list[UUID] = []
    for order_id, missing in sorted(news.items(), key=lambda kv: str(kv[0])):
        if missing or order_id in now:
            stored.append(
                {"order_id": order_id, "missing": [m.model_dump(mode="json") for m in missing]}
            )
        else:  # its production is over: forget it once it was told nothing is missing
            over.append(order_id)
        events.append(OrderMaterialsChanged(order_id=order_id, missing=missing))
    # one pipelined write and one delete for them all (rows of distinct orders)
    await _STORE.execute_many(conn, stored)
    if over:
        await _FORGET.execute(conn, ids=over)
    await publish(conn, events)
    return len(events)
