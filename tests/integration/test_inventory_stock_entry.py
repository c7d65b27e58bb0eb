"""The one way stock enters the books, written to PostgreSQL: a lot and its opening movement,
or nothing at all when the code is taken."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from services.inventory import tables as t
from services.inventory.stock import lot_repository
from services.inventory.stock.stock_entry_rules import LotIntake, QuarantineReturn, enter_stock
from shared.units import Quantity


async def an_item(engine: AsyncEngine) -> str:
    code = f"HONEY-{uuid.uuid4().hex[:8].upper()}"
    await service.create_item(engine, service.NewItem(code, "Honey jar", "finished_good", "pc"))
    return code


async def movements_of(engine: AsyncEngine, lot_code: str) -> list[tuple[str, Decimal, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.movement.c.kind, t.movement.c.quantity, t.movement.c.reference)
            .join(t.lot, t.lot.c.id == t.movement.c.lot_id)
            .where(t.lot.c.lot_code == lot_code)
        )
        return [(r.kind, r.quantity, r.reference) for r in rows]


async def test_an_entry_is_a_lot_with_its_opening_movement_once(
    inventory_engine: AsyncEngine,
) -> None:
    item = await an_item(inventory_engine)
    entry = enter_stock(
        LotIntake(f"{item}-A", expires_on=date(2027, 1, 31)),
        item_code=item,
        quantity=Quantity.of(12, "pc"),
    )

    async with inventory_engine.begin() as conn:
        first = await lot_repository.insert_entry(conn, entry)
        again = await lot_repository.insert_entry(conn, entry)

    assert first is not None and again is None
    assert await movements_of(inventory_engine, f"{item}-A") == [("receipt", Decimal(12), None)]
    async with inventory_engine.connect() as conn:
        lot = (await conn.execute(sa.select(t.lot).where(t.lot.c.id == first))).one()
        assert (lot.on_hand, lot.expires_on, lot.quarantined) == (12, date(2027, 1, 31), False)
        assert not await lot_repository.ledger_mismatches(conn)


async def test_a_quarantine_lot_opens_empty_without_a_movement(
    inventory_engine: AsyncEngine,
) -> None:
    item = await an_item(inventory_engine)
    entry = enter_stock(
        QuarantineReturn(f"{item}-A", expires_on=None, production_order_id=None),
        item_code=item,
        quantity=Quantity.zero("pc"),
    )

    async with inventory_engine.begin() as conn:
        lot_id = await lot_repository.insert_entry(conn, entry)

    assert lot_id is not None
    assert await movements_of(inventory_engine, f"{item}-A-Q") == []
    async with inventory_engine.connect() as conn:
        lot = (await conn.execute(sa.select(t.lot).where(t.lot.c.id == lot_id))).one()
    assert (lot.on_hand, lot.quarantined) == (0, True)
