"""Goods receipt: a supplier's lot enters stock under our own lot code, and whatever was
waiting for that material gets another try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.inventory import purchase_orders, repository
from services.inventory import tables as t
from services.inventory.costing_rules import received_unit_cost
from services.inventory.errors import InventoryError, NotFound
from services.inventory.production import retry_waiting_requests
from services.inventory.publishing import publish
from shared.contracts.base import Event
from shared.contracts.inventory import LotReceived
from shared.units import (
    Money,
    Quantity,
    UnitError,
    convert,
    is_whole_where_counted,
)


@dataclass(frozen=True)
class GoodsReceipt:
    item_code: str
    quantity: Quantity
    supplier: str
    supplier_lot_code: str
    received_on: date
    expires_on: date | None = None
    cost: Money | None = None
    purchase_order_id: UUID | None = None


@dataclass(frozen=True)
class ReceivedLot:
    lot_id: int
    lot_code: str
    quantity: Quantity
    expires_on: date | None


def expiry(receipt: GoodsReceipt, shelf_life_days: int | None) -> date | None:
    """The supplier's date when given, else our shelf life from the day of receipt."""
    if receipt.expires_on is not None:
        return receipt.expires_on
    if shelf_life_days is None:
        return None
    return receipt.received_on + timedelta(days=shelf_life_days)


async def _next_lot_code(conn: AsyncConnection, item_code: str, received_on: date) -> str:
    prefix = f"{item_code}-R{received_on:%y%m%d}-"
    count = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(t.lot)
        .where(t.lot.c.lot_code.startswith(prefix, autoescape=True))
    )
    return f"{prefix}{int(count or 0) + 1:02d}"


async def receive_goods(engine: AsyncEngine, receipt: GoodsReceipt) -> ReceivedLot:
    """Record the receipt in the item's base unit with a receipt movement (invariant 3)."""
    if not receipt.quantity.is_positive:
        raise InventoryError(f"quantity must be positive, got {receipt.quantity.value}")
    async with engine.begin() as conn:
        item = await repository.get_item(conn, receipt.item_code)
        if item is None:
            raise NotFound(f"unknown item {receipt.item_code}")
        try:
            quantity = convert(receipt.quantity, item.base_unit)
        except UnitError as error:
            raise InventoryError(f"item {receipt.item_code}: {error}") from error
        if not is_whole_where_counted(quantity.value, quantity.unit):
            raise InventoryError(f"{quantity.unit} are counted in whole pieces, got {quantity}")
        expires_on = expiry(receipt, item.shelf_life_days)
        unit_cost = received_unit_cost(receipt.cost, quantity.value)
        await conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"receipt:{receipt.item_code}"},
        )
        lot_code = await _next_lot_code(conn, receipt.item_code, receipt.received_on)
        lot_id = await repository.insert_lot(
            conn,
            {
                "lot_code": lot_code,
                "item_code": receipt.item_code,
                "unit": item.base_unit,
                "on_hand": quantity.value,
                "expires_on": expires_on,
                "supplier": receipt.supplier,
                "supplier_lot_code": receipt.supplier_lot_code,
                "cost": receipt.cost.amount if receipt.cost else None,
                "cost_currency": receipt.cost.currency if receipt.cost else None,
                "unit_cost": unit_cost.amount if unit_cost else None,
                "unit_cost_currency": unit_cost.currency if unit_cost else None,
                "received_on": receipt.received_on,
            },
        )
        assert lot_id is not None, "lot codes are serialised per item by the advisory lock"
        await repository.add_movement(
            conn,
            lot_id=lot_id,
            kind="receipt",
            quantity=quantity.value,
            reference=f"supplier:{receipt.supplier}:{receipt.supplier_lot_code}",
        )
        ordered: list[Event] = []
        if receipt.purchase_order_id is not None:
            ordered.append(
                await purchase_orders.receive_against(
                    conn, receipt.purchase_order_id, receipt.item_code, quantity
                )
            )
        waiting = await retry_waiting_requests(conn, [receipt.item_code])
        received = LotReceived(
            lot_code=lot_code,
            item_code=receipt.item_code,
            quantity=quantity,
            expires_on=expires_on,
            supplier=receipt.supplier,
            supplier_lot_code=receipt.supplier_lot_code,
            cost=receipt.cost,
            received_on=receipt.received_on,
            unit_cost=unit_cost,
        )
        await publish(
            conn,
            [received, *ordered, *waiting.events],
            touched_lots=[lot_id, *waiting.touched_lots],
        )
    return ReceivedLot(lot_id=lot_id, lot_code=lot_code, quantity=quantity, expires_on=expires_on)
