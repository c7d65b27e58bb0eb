"""Inventory use cases for items, lots and customer orders; each owns its transaction
(state, inbox and outbox together)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory.errors import Conflict, InventoryError, NotFound
from services.inventory.production.holding_and_completion import retry_waiting_requests
from services.inventory.publishing import publish
from services.inventory.reservations import domain, reservation_repository, shelf_life
from services.inventory.stock import item_repository, lot_repository
from services.inventory.stock.stock_entry_rules import LotIntake, enter_stock
from shared.consuming import Delivery
from shared.contracts.inventory import ItemDefined, ReservedLot, StockReleased
from shared.contracts.orders import OrderCancelled, OrderReceived
from shared.units import Quantity, is_whole_where_counted

CONSUMER = "inventory"


@dataclass(frozen=True)
class NewItem:
    code: str
    name: str
    kind: str
    base_unit: str
    shelf_life_days: int | None = None
    supplier: str | None = None
    lead_time_days: int | None = None


@dataclass(frozen=True)
class NewLot:
    item_code: str
    lot_code: str
    quantity: Decimal
    unit: str
    expires_on: date | None = None
    received_on: date | None = None  # produced or received: where its shelf life starts


async def reserve_for_order(tx: Delivery, event: OrderReceived) -> None:
    """Apply OrderReceived once: reserve FEFO under the order's minimum shelf-life rule (its
    customer's, else its channel's, kept with the order for later allocation), publish
    reserved or short, all in one commit."""
    conn = tx.conn
    lots = await lot_repository.lots_for_update(
        conn, item_codes=[line.item_code for line in event.lines]
    )
    rule = await shelf_life.rule_for(conn, event)
    outcome = domain.reserve(lots, event.lines, rule=rule, on=datetime.now(UTC).date())
    result = outcome.event(event.order_id)
    if not await reservation_repository.reserve_order(
        conn,
        event.order_id,
        outcome=result.TYPE,
        shelf_life=rule.as_json() if rule else None,
        lines=event.lines,
        allocations=outcome.allocations,
    ):
        return
    await publish(tx, [result], touched_lots=[a.lot.id for a in outcome.allocations])


async def release_for_cancelled_order(tx: Delivery, event: OrderCancelled) -> None:
    """A cancelled order gives its reserved lots back to available stock."""
    conn = tx.conn
    await reservation_repository.mark_order_cancelled(conn, event.order_id)
    released = await reservation_repository.release_order(conn, event.order_id)
    items = sorted({row.item_code for row in released})
    waiting = await retry_waiting_requests(conn, items)
    await publish(
        tx,
        [
            StockReleased(
                order_id=event.order_id,
                released=tuple(
                    ReservedLot(
                        line_no=r.line_no,
                        item_code=r.item_code,
                        lot_code=r.lot_code,
                        quantity=Quantity.of(r.quantity, r.unit),
                        expires_on=r.expires_on,
                    )
                    for r in released
                ),
            ),
            *waiting.events,
        ],
        touched_lots=[r.lot_id for r in released] + list(waiting.touched_lots),
    )


async def create_item(engine: AsyncEngine, item: NewItem) -> None:
    """Items are announced so production can check recipes and quote lead times."""
    async with engine.begin() as conn:
        if not await item_repository.insert_item(conn, item.__dict__):
            raise Conflict(f"item {item.code} already exists")
        await publish(conn, [ItemDefined(**item.__dict__)])


async def receive_lot(engine: AsyncEngine, new: NewLot) -> int:
    """A lot enters stock with its receipt movement, so the ledger balances from day one."""
    if new.quantity <= 0:
        raise InventoryError(f"quantity must be positive, got {new.quantity}")
    if not is_whole_where_counted(new.quantity, new.unit):
        raise InventoryError(f"{new.unit} are counted in whole pieces, got {new.quantity}")
    async with engine.begin() as conn:
        item = await item_repository.get_item(conn, new.item_code)
        if item is None:
            raise NotFound(f"unknown item {new.item_code}")
        if new.unit != item.base_unit:
            raise InventoryError(
                f"item {new.item_code} is counted in {item.base_unit}, not {new.unit}"
            )
        entry = enter_stock(
            LotIntake(new.lot_code, expires_on=new.expires_on, received_on=new.received_on),
            item_code=new.item_code,
            quantity=Quantity.of(new.quantity, new.unit),
        )
        lot_id = await lot_repository.insert_entry(conn, entry)
        if lot_id is None:
            raise Conflict(f"lot {new.lot_code} already exists")
        waiting = await retry_waiting_requests(conn, [new.item_code])
        received = entry.received()
        await publish(
            conn, [received, *waiting.events], touched_lots=[lot_id, *waiting.touched_lots]
        )
    return lot_id
