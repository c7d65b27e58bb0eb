"""Purchase orders to suppliers: placed with an expected arrival, received against by goods
receipts (partly too), cancelled. Every change publishes ``PurchaseOrderChanged`` with what
is still to come, so production plans with the expected date instead of the lead time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import InventoryError, NotFound
from services.inventory.publishing import publish
from services.inventory.replenishment import purchase_order_rules
from services.inventory.stock import item_repository
from shared.contracts.inventory import PurchaseOrderChanged, PurchaseOrderStatus
from shared.units import Quantity, UnitError, convert

P = PurchaseOrderStatus
PO = t.purchase_order


@dataclass(frozen=True)
class NewPurchaseOrder:
    item_code: str
    quantity: Quantity
    supplier: str | None
    expected_on: date | None
    ordered_on: date


async def place(engine: AsyncEngine, new: NewPurchaseOrder) -> dict[str, Any]:
    """Supplier and expected date default to the item's supplier and lead time."""
    async with engine.begin() as conn:
        return await place_in(conn, new)


async def place_in(conn: AsyncConnection, new: NewPurchaseOrder) -> dict[str, Any]:
    """``place`` in the caller's transaction (accepting a replenishment suggestion)."""
    if not new.quantity.is_positive:
        raise InventoryError(f"quantity must be positive, got {new.quantity.value}")
    item = await item_repository.get_item(conn, new.item_code)
    if item is None:
        raise NotFound(f"unknown item {new.item_code}")
    quantity = _in_base_unit(new.item_code, new.quantity, item.base_unit)
    supplier = new.supplier or item.supplier
    if not supplier:
        raise InventoryError(f"item {new.item_code} has no supplier: name one")
    expected_on = new.expected_on or _by_lead_time(new.ordered_on, item.lead_time_days)
    if expected_on is None:
        raise InventoryError(f"item {new.item_code} has no lead time: give expected_on")
    purchase_order_id = uuid4()
    await conn.execute(
        PO.insert().values(
            id=purchase_order_id,
            item_code=new.item_code,
            supplier=supplier,
            quantity=quantity.value,
            unit=quantity.unit,
            expected_on=expected_on,
            status=P.OPEN.value,
        )
    )
    row = await _row(conn, purchase_order_id, lock=False)
    await publish(conn, [changed(row)])
    return as_record(row)


async def cancel(
    engine: AsyncEngine, purchase_order_id: UUID, reason: str | None
) -> dict[str, Any]:
    async with engine.begin() as conn:
        row = await _row(conn, purchase_order_id, lock=True)
        purchase_order_rules.can_cancel(P(row.status))
        await conn.execute(
            PO.update()
            .where(PO.c.id == purchase_order_id)
            .values(
                status=P.CANCELLED.value,
                reason=reason,
                revision=PO.c.revision + 1,
                updated_at=sa.func.now(),
            )
        )
        row = await _row(conn, purchase_order_id, lock=False)
        await publish(conn, [changed(row)])
        return as_record(row)


async def receive_against(
    conn: AsyncConnection, purchase_order_id: UUID, item_code: str, quantity: Quantity
) -> PurchaseOrderChanged:
    """In the receipt's transaction: count the goods against the order (base unit)."""
    row = await _row(conn, purchase_order_id, lock=True)
    if row.item_code != item_code:
        raise InventoryError(
            f"purchase order {purchase_order_id} is for {row.item_code}, not {item_code}"
        )
    received, status = purchase_order_rules.after_receipt(
        P(row.status), row.quantity, row.received, convert(quantity, row.unit).value
    )
    await conn.execute(
        PO.update()
        .where(PO.c.id == purchase_order_id)
        .values(
            received=received,
            status=status.value,
            revision=PO.c.revision + 1,
            updated_at=sa.func.now(),
        )
    )
    return changed(await _row(conn, purchase_order_id, lock=False))


async def list_records(
    engine: AsyncEngine,
    *,
    item_code: str | None,
    status: P | None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = (
        sa.select(PO)
        .order_by(PO.c.expected_on, PO.c.created_at, PO.c.id)
        .limit(limit)
        .offset(offset)
    )
    if item_code is not None:
        query = query.where(PO.c.item_code == item_code)
    if status is not None:
        query = query.where(PO.c.status == status.value)
    async with engine.connect() as conn:
        return [as_record(r) for r in await conn.execute(query)]


async def get_record(engine: AsyncEngine, purchase_order_id: UUID) -> dict[str, Any]:
    async with engine.connect() as conn:
        return as_record(await _row(conn, purchase_order_id, lock=False))


def changed(row: Any) -> PurchaseOrderChanged:
    return PurchaseOrderChanged(
        purchase_order_id=row.id,
        item_code=row.item_code,
        supplier=row.supplier,
        ordered=Quantity.of(row.quantity, row.unit),
        received=Quantity.of(row.received, row.unit),
        remaining=Quantity.of(_remaining(row), row.unit),
        expected_on=row.expected_on,
        status=P(row.status),
        revision=row.revision,
    )


def as_record(row: Any) -> dict[str, Any]:
    """The API's shape; ``late`` when the expected date has passed and goods are missing."""
    return {
        "id": row.id,
        "item_code": row.item_code,
        "supplier": row.supplier,
        "quantity": row.quantity,
        "received": row.received,
        "remaining": _remaining(row),
        "unit": row.unit,
        "expected_on": row.expected_on,
        "status": row.status,
        "reason": row.reason,
        "created_at": row.created_at,
    }


def _remaining(row: Any) -> Any:
    if P(row.status) is not P.OPEN:
        return 0
    return purchase_order_rules.remaining(row.quantity, row.received)


def _in_base_unit(item_code: str, quantity: Quantity, base_unit: str) -> Quantity:
    try:
        return convert(quantity, base_unit)
    except UnitError as error:
        raise InventoryError(f"item {item_code}: {error}") from error


def _by_lead_time(ordered_on: date, lead_time_days: int | None) -> date | None:
    if lead_time_days is None:
        return None
    return purchase_order_rules.weekdays_after(ordered_on, lead_time_days)


async def _row(conn: AsyncConnection, purchase_order_id: UUID, *, lock: bool) -> Any:
    query = sa.select(PO).where(PO.c.id == purchase_order_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"no purchase order {purchase_order_id}")
    return row
