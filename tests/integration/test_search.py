"""What people type to find things, over the real databases: an order by the start of its
number (with or without ``#``), part of the customer's name or e-mail; a lot by the start of
its code or the supplier's, in any case; an item by part of its name. Wildcards typed are
looked for literally. The order and item searches run in a transaction that is rolled
back (``orders_conn``, ``inventory_conn``); the lot's is set up by a receipt, which commits."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory.stock import item_repository
from services.inventory.stock import lot_repository as inventory
from services.orders import repository as orders
from services.orders import service
from shared.consuming import Delivery
from shared.contracts.connectors import Customer, InboundOrderLine, InboundOrderReceived
from shared.contracts.envelope import Envelope
from shared.units import Quantity
from tests.integration.test_inventory_production import item, receive


async def placed(conn: AsyncConnection, number: str, name: str, email: str) -> uuid.UUID:
    """An order placed by the use case the consumer runs, on ``conn``."""
    event = InboundOrderReceived(
        channel="manual",
        shop="manual",
        external_id=uuid.uuid4().hex,
        external_number=number,
        customer=Customer(name=name, email=email),
        lines=(
            InboundOrderLine(
                external_line_id="1", sku="SOAP", item_code="SOAP", quantity=Quantity.of(1, "pc")
            ),
        ),
    )
    await service.receive_inbound_order(Delivery(conn, Envelope.wrap(event), "orders"), event)
    return service.order_id_for("manual", event.external_id)


async def found(conn: AsyncConnection, q: str) -> set[uuid.UUID]:
    ids = await orders.find_order_ids(conn, channel=None, external_id=None, limit=50, q=q)
    total = await orders.count_orders(conn, channel=None, external_id=None, statuses=(), q=q)
    assert total == len(ids)
    return set(ids)


async def test_an_order_is_found_by_its_number_its_customer_or_its_id(orders_conn):
    tag = uuid.uuid4().hex[:6].upper()
    bruno = await placed(orders_conn, f"TEL-{tag}-BRUNO", "Trattoria Bruno", f"b{tag}@x.it")
    shop = await placed(orders_conn, f"#{tag}7", f"Anna {tag} Rossi", f"anna{tag}@y.it")

    assert await found(orders_conn, f"tel-{tag.lower()}") == {bruno}
    assert await found(orders_conn, f"{tag}7") == {shop}  # a Shopify "#1234" without "#"
    assert await found(orders_conn, f"#{tag}7") == {shop}
    assert await found(orders_conn, f"{tag} rossi") == {shop}
    assert await found(orders_conn, f"B{tag}@X.IT") == {bruno}
    assert await found(orders_conn, str(bruno)[:13]) == {bruno}
    assert await found(orders_conn, f"%{tag}") == set()  # a typed % is not a wildcard


async def test_a_lot_is_found_by_the_start_of_its_code_or_the_suppliers_in_any_case(
    inventory_engine,
):
    flour = await item(inventory_engine, "FLOUR", "kg")
    lot = await receive(inventory_engine, flour, "5", "kg")
    async with inventory_engine.connect() as conn:
        supplier_lot = (
            await conn.execute(
                sa.text("SELECT supplier_lot_code FROM inventory_lot WHERE lot_code = :c"),
                {"c": lot},
            )
        ).scalar_one()

        by_code = await inventory.list_lots(conn, item_code=None, q=lot[:-2].lower())
        by_supplier = await inventory.list_lots(conn, item_code=None, q=supplier_lot.upper())
        nothing = await inventory.list_lots(conn, item_code=None, q=lot[1:])

    assert lot in {r.lot_code for r in by_code}
    assert [r.lot_code for r in by_supplier] == [lot]
    assert lot not in {r.lot_code for r in nothing}  # the start, not anywhere


async def test_an_item_is_found_by_part_of_its_name(inventory_conn):
    conn = inventory_conn
    code = f"BISCUIT-{uuid.uuid4().hex[:6].upper()}"
    values = {"code": code, "name": code.title(), "kind": "finished_good", "base_unit": "pc"}
    assert await item_repository.insert_item(conn, values)

    row = await item_repository.get_item(conn, code)
    assert row is not None
    hits = await item_repository.list_items(conn, q=row.name[2:].upper())

    assert code in {r.code for r in hits}
