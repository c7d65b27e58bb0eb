"""Make-to-stock: reorder points per item, and the replenishment suggestions they raise,
accepted (a purchase order, or a production order asked of production) or dismissed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import Conflict, InventoryError, NotFound
from services.inventory.publishing import publish
from services.inventory.replenishment import purchase_orders, reorder_watch
from services.inventory.replenishment import replenishment_rules as rules
from services.inventory.stock import item_repository
from shared.contracts.inventory import ReplenishmentRequested
from shared.units import Quantity, UnitError, convert

RP, SG = t.reorder_point, t.suggestion
Status = rules.SuggestionStatus


def production_order_for(suggestion_id: UUID) -> UUID:
    """The production order an accepted suggestion becomes: the same id however often the
    request is delivered."""
    return uuid5(NAMESPACE_URL, f"lotline:production:make-to-stock:{suggestion_id}")


async def set_reorder_point(
    engine: AsyncEngine,
    item_code: str,
    *,
    reorder_point: Decimal,
    target: Decimal,
    unit: str,
    pack_size: Decimal | None,
) -> dict[str, Any]:
    """Store the item's min/max (in its base unit); stock already under it raises a
    suggestion at once."""
    async with engine.begin() as conn:
        item = await item_repository.get_item(conn, item_code)
        if item is None:
            raise NotFound(f"unknown item {item_code}")
        base = item.base_unit
        rule = rules.ReorderRule(
            item_code=item_code,
            reorder_point=_base(item_code, reorder_point, unit, base),
            target=_base(item_code, target, unit, base),
            pack_size=None if pack_size is None else _base(item_code, pack_size, unit, base),
        )
        values = {
            "item_code": item_code,
            "reorder_point": rule.reorder_point,
            "target": rule.target,
            "pack_size": rule.pack_size,
            "unit": base,
        }
        statement = insert(RP).values(**values)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[RP.c.item_code],
                set_={
                    **{k: statement.excluded[k] for k in values if k != "item_code"},
                    "updated_at": sa.func.now(),
                },
            )
        )
        await reorder_watch.raise_suggestions(conn, [item_code])
        [record] = await reorder_point_records(conn, item_code=item_code)
        return record


async def reorder_point_records(
    conn: AsyncConnection, *, item_code: str | None = None
) -> list[dict[str, Any]]:
    """Each rule with the item's available stock, daily demand and days of cover now."""
    query = sa.select(RP).order_by(RP.c.item_code)
    if item_code is not None:
        query = query.where(RP.c.item_code == item_code)
    found = []
    for row in await conn.execute(query):
        available = await reorder_watch.available_of(conn, row.item_code)
        demand = await reorder_watch.daily_demand_of(conn, row.item_code)
        found.append(
            {
                **row._asdict(),
                "available": available,
                "daily_demand": demand,
                "days_of_cover": rules.days_of_cover(available, demand),
            }
        )
    return found


async def list_reorder_points(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await reorder_point_records(conn)


async def list_suggestions(
    engine: AsyncEngine, *, status: Status | None, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    query = sa.select(SG).order_by(SG.c.created_at, SG.c.id).limit(limit).offset(offset)
    if status is not None:
        query = query.where(SG.c.status == status.value)
    async with engine.connect() as conn:
        return [r._asdict() for r in await conn.execute(query)]


async def accept(engine: AsyncEngine, suggestion_id: UUID) -> dict[str, Any]:
    """A bought item: a purchase order to its supplier (expected after its lead time). A made
    item: production is asked to plan a production order (whole batches)."""
    async with engine.begin() as conn:
        row = await _open_for_update(conn, suggestion_id)
        quantity = Quantity.of(row.quantity, row.unit)
        if rules.SuggestionKind(row.kind) is rules.SuggestionKind.PURCHASE:
            placed = await purchase_orders.place_in(
                conn,
                purchase_orders.NewPurchaseOrder(
                    item_code=row.item_code,
                    quantity=quantity,
                    supplier=None,
                    expected_on=None,
                    ordered_on=datetime.now(UTC).date(),
                ),
            )
            reference = placed["id"]
        else:
            reference = production_order_for(suggestion_id)
            await publish(
                conn,
                [
                    ReplenishmentRequested(
                        suggestion_id=suggestion_id,
                        production_order_id=reference,
                        item_code=row.item_code,
                        quantity=quantity,
                    )
                ],
            )
        return await _decide(conn, suggestion_id, Status.ACCEPTED, reference=reference)


async def dismiss(engine: AsyncEngine, suggestion_id: UUID, reason: str | None) -> dict[str, Any]:
    async with engine.begin() as conn:
        await _open_for_update(conn, suggestion_id)
        return await _decide(conn, suggestion_id, Status.DISMISSED, reason=reason)


async def _open_for_update(conn: AsyncConnection, suggestion_id: UUID) -> Any:
    row = (
        await conn.execute(sa.select(SG).where(SG.c.id == suggestion_id).with_for_update())
    ).first()
    if row is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    if Status(row.status) is not Status.OPEN:
        raise Conflict(f"suggestion {suggestion_id} is already {row.status}")
    return row


async def _decide(
    conn: AsyncConnection,
    suggestion_id: UUID,
    status: Status,
    *,
    reference: UUID | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    row = (
        await conn.execute(
            SG.update()
            .where(SG.c.id == suggestion_id)
            .values(
                status=status.value, reference=reference, reason=reason, decided_at=sa.func.now()
            )
            .returning(SG)
        )
    ).one()
    return dict(row._asdict())


def _base(item_code: str, value: Decimal, unit: str, base_unit: str) -> Decimal:
    try:
        return convert(Quantity.of(value, unit), base_unit).value
    except UnitError as error:
        raise InventoryError(f"item {item_code}: {error}") from error
