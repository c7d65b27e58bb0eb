"""Items: queries on inventory_item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from shared import search
from shared.hot_sql import HotStatement, any_of


async def insert_item(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    result = await conn.execute(
        insert(t.item).values(**values).on_conflict_do_nothing().returning(t.item.c.code)
    )
    return result.first() is not None


async def get_item(conn: AsyncConnection, code: str) -> sa.Row[Any] | None:
    return (await conn.execute(sa.select(t.item).where(t.item.c.code == code))).first()


async def list_items(
    conn: AsyncConnection, *, limit: int | None = None, offset: int = 0, q: str | None = None
) -> Sequence[Any]:
    query = sa.select(t.item).order_by(t.item.c.code).limit(limit).offset(offset)
    if q is not None and q.strip():  # part of the name ("butter biscuits") or of the code
        query = query.where(
            sa.or_(search.contains(t.item.c.name, q), search.contains(t.item.c.code, q))
        )
    return (await conn.execute(query)).all()


_ITEMS_BY_CODE = HotStatement(
    sa.select(t.item.c.code, t.item.c.base_unit, t.item.c.supplier, t.item.c.lead_time_days).where(
        any_of(t.item.c.code, "codes")
    )
)


async def items_by_code(conn: AsyncConnection, codes: Sequence[str]) -> dict[str, Any]:
    """What holding materials needs of each item: its base unit and how it is supplied."""
    rows = await _ITEMS_BY_CODE.fetch(conn, codes=sorted(set(codes)))
    return {r.code: r for r in rows}
