"""Goods receipt: a supplier's lot enters stock under our own lot code, and whatever was
waiting for that material gets another try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory.errors import InventoryError, NotFound
from services.inventory.production.holding_and_completion import retry_waiting_requests
from services.inventory.publishing import publish
from services.inventory.replenishment import purchase_orders
from services.inventory.stock import item_repository, lot_repository
from services.inventory.stock.stock_entry_rules import (
    SupplierReceipt,
    enter_stock,
    receipt_lot_prefix,
)
from shared.contracts.base import Event
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


async def receive_goods(engine: AsyncEngine, receipt: GoodsReceipt) -> ReceivedLot:
    """Record the receipt in the item's base unit with a receipt movement (invariant 3)."""
    if not receipt.quantity.is_positive:
        raise InventoryError(f"quantity must be positive, got {receipt.quantity.value}")
    async with engine.begin() as conn:
        item = await item_repository.get_item(conn, receipt.item_code)
        if item is None:
            raise NotFound(f"unknown item {receipt.item_code}")
        try:
            quantity = convert(receipt.quantity, item.base_unit)
        except UnitError as error:
            raise InventoryError(f"item {receipt.item_code}: {error}") from error
        if not is_whole_where_counted(quantity.value, quantity.unit):
            raise InventoryError(f"{quantity.unit} are counted in whole pieces, got {quantity}")
        await conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"receipt:{receipt.item_code}"},
        )
        prefix = receipt_lot_prefix(receipt.item_code, receipt.received_on)
        entry = enter_stock(
            SupplierReceipt(
                supplier=receipt.supplier,
                supplier_lot_code=receipt.supplier_lot_code,
                received_on=receipt.received_on,
                lots_that_day=await lot_repository.count_lots_with_prefix(conn, prefix),
                expires_on=receipt.expires_on,
                cost=receipt.cost,
            ),
            item_code=receipt.item_code,
            quantity=quantity,
            shelf_life_days=item.shelf_life_days,
        )
        lot_id = await lot_repository.insert_entry(conn, entry)
        assert lot_id is not None, "lot codes are serialised per item by the advisory lock"
        ordered: list[Event] = []
        if receipt.purchase_order_id is not None:
            ordered.append(
                await purchase_orders.receive_against(
                    conn, receipt.purchase_order_id, receipt.item_code, quantity
                )
            )
        waiting = await retry_waiting_requests(conn, [receipt.item_code])
        await publish(
            conn,
            [entry.received(), *ordered, *waiting.events],
            touched_lots=[lot_id, *waiting.touched_lots],
        )
    return ReceivedLot(
        lot_id=lot_id, lot_code=entry.lot_code, quantity=quantity, expires_on=entry.expires_on
    )
