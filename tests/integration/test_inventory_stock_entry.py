"""The one way stock enters the books, written to PostgreSQL: a lot and its opening movement,
or nothing at all when the code is taken. Each test runs in a transaction that is rolled
back (``inventory_conn``): the repository takes the caller's connection."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.stock import item_repository, lot_repository
from services.inventory.stock.stock_entry_rules import LotIntake, QuarantineReturn, enter_stock
from shared.units import Quantity
from tests.integration.conftest import rolled_back

ONE = Quantity.of(1, "pc")


async def an_item(conn: AsyncConnection) -> str:
    code = f"HONEY-{uuid.uuid4().hex[:8].upper()}"
    values = {"code": code, "name": "Honey jar", "kind": "finished_good", "base_unit": "pc"}
    assert await item_repository.insert_item(conn, values)
    return code


async def movements_of(
    conn: AsyncConnection, lot_code: str
) -> list[tuple[str, Decimal, str | None]]:
    rows = await conn.execute(
        sa.select(t.movement.c.kind, t.movement.c.quantity, t.movement.c.reference)
        .join(t.lot, t.lot.c.id == t.movement.c.lot_id)
        .where(t.lot.c.lot_code == lot_code)
    )
    return [(r.kind, r.quantity, r.reference) for r in rows]


async def test_an_entry_is_a_lot_with_its_opening_movement_once(
    inventory_conn: AsyncConnection,
) -> None:
    conn = inventory_conn
    item = await an_item(conn)
    entry = enter_stock(
        LotIntake(f"{item}-A", expires_on=date(2027, 1, 31)),
        item_code=item,
        quantity=Quantity.of(12, "pc"),
    )

    first = await lot_repository.insert_entry(conn, entry)
    again = await lot_repository.insert_entry(conn, entry)

    assert first is not None and again is None
    assert await movements_of(conn, f"{item}-A") == [("receipt", Decimal(12), None)]
    lot = (await conn.execute(sa.select(t.lot).where(t.lot.c.id == first))).one()
    assert (lot.on_hand, lot.expires_on, lot.quarantined) == (12, date(2027, 1, 31), False)
    assert not await lot_repository.ledger_mismatches(conn)


async def test_a_quarantine_lot_opens_empty_without_a_movement(
    inventory_conn: AsyncConnection,
) -> None:
    conn = inventory_conn
    item = await an_item(conn)
    entry = enter_stock(
        QuarantineReturn(f"{item}-A", expires_on=None, production_order_id=None),
        item_code=item,
        quantity=Quantity.zero("pc"),
    )

    lot_id = await lot_repository.insert_entry(conn, entry)

    assert lot_id is not None
    assert await movements_of(conn, f"{item}-A-Q") == []
    lot = (await conn.execute(sa.select(t.lot).where(t.lot.c.id == lot_id))).one()
    assert (lot.on_hand, lot.quarantined) == (0, True)


async def test_what_a_rolled_back_test_wrote_is_gone_after_it(inventory_engine) -> None:
    """The fixture these tests use: nothing they write is committed."""
    async with rolled_back(inventory_engine) as conn:
        item = await an_item(conn)
        await lot_repository.insert_entry(
            conn,
            enter_stock(LotIntake(f"{item}-A", expires_on=None), item_code=item, quantity=ONE),
        )
        assert await movements_of(conn, f"{item}-A") == [("receipt", Decimal(1), None)]

    async with inventory_engine.connect() as conn:
        assert await movements_of(conn, f"{item}-A") == []
        assert await item_repository.get_item(conn, item) is None
