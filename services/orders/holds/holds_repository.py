"""Queries behind held orders: the copy of the channels' SKU mappings and the held lines."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from services.orders.holds.holds import HeldLine
from shared.contracts.orders import OrderStatus
from shared.units import Quantity


async def remember_mapping(
    conn: AsyncConnection, *, shop: str, sku: str, item_code: str | None
) -> None:
    """Keep (or, with None, forget) what a shop's SKU maps to."""
    where = (t.sku_mapping.c.shop == shop, t.sku_mapping.c.sku == sku)
    if item_code is None:
        await conn.execute(t.sku_mapping.delete().where(*where))
        return
    statement = insert(t.sku_mapping).values(shop=shop, sku=sku, item_code=item_code)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.sku_mapping.c.shop, t.sku_mapping.c.sku],
            set_={"item_code": item_code, "updated_at": sa.func.now()},
        )
    )


async def mappings_for(conn: AsyncConnection, *, shop: str, skus: Sequence[str]) -> dict[str, str]:
    if not skus:
        return {}
    rows = await conn.execute(
        sa.select(t.sku_mapping.c.sku, t.sku_mapping.c.item_code).where(
            t.sku_mapping.c.shop == shop, t.sku_mapping.c.sku.in_(skus)
        )
    )
    return {r.sku: r.item_code for r in rows}


async def held_orders_with_sku(conn: AsyncConnection, *, shop: str, sku: str) -> list[UUID]:
    """Orders on hold with an unmapped line of this SKU, in a fixed order (locks taken later
    in that order cannot deadlock with each other)."""
    rows = await conn.execute(
        sa.select(t.order.c.id)
        .join(t.line, t.line.c.order_id == t.order.c.id)
        .where(
            t.order.c.shop == shop,
            t.order.c.status == OrderStatus.ON_HOLD.value,
            sa.func.coalesce(sa.func.nullif(t.line.c.sku, ""), t.line.c.mapping_key) == sku,
            t.line.c.item_code.is_(None),
        )
        .distinct()
        .order_by(t.order.c.id)
    )
    return [r.id for r in rows]


async def lines(conn: AsyncConnection, order_id: UUID) -> list[HeldLine]:
    rows = await conn.execute(
        sa.select(t.line).where(t.line.c.order_id == order_id).order_by(t.line.c.line_no)
    )
    return [
        HeldLine(
            line_no=r.line_no,
            external_line_id=r.external_line_id,
            sku=r.sku,
            mapping_key=r.mapping_key,
            item_code=r.item_code,
            quantity=Quantity(value=r.quantity, unit=r.unit),
        )
        for r in rows
    ]


async def save_items(conn: AsyncConnection, order_id: UUID, changed: Sequence[HeldLine]) -> None:
    for line in changed:
        await conn.execute(
            t.line.update()
            .where(t.line.c.order_id == order_id, t.line.c.line_no == line.line_no)
            .values(item_code=line.item_code)
        )


async def set_hold_reason(conn: AsyncConnection, order_id: UUID, reason: str | None) -> None:
    await conn.execute(
        t.order.update()
        .where(t.order.c.id == order_id)
        .values(hold_reason=reason, updated_at=sa.func.now())
    )
