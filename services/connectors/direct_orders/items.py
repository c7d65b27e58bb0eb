"""Inventory's items as connectors know them (from ``inventory.item_defined``): the manual
and CSV channels refuse lines for items that do not exist, in units that make no sense."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import tables as t
from shared.consuming import Delivery
from shared.contracts.inventory import ItemDefined

CONSUMER = "connectors"


async def remember_item(tx: Delivery, event: ItemDefined) -> None:
    conn = tx.conn
    values = {"name": event.name, "kind": event.kind, "base_unit": event.base_unit}
    statement = insert(t.item).values(code=event.code, **values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.item.c.code], set_={**values, "updated_at": sa.func.now()}
        )
    )


async def base_units(conn: AsyncConnection, codes: Iterable[str]) -> dict[str, str]:
    """Item code → base unit, for the codes that are known."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await conn.execute(
        sa.select(t.item.c.code, t.item.c.base_unit).where(t.item.c.code.in_(wanted))
    )
    return {r.code: r.base_unit for r in rows}
