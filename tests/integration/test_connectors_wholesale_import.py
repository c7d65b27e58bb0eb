"""Wholesale CSV import on the real PostgreSQL: each reference published once, even when the
same file is imported several times at once; bad rows reported, good ones published."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa

from services.connectors import tables as t
from services.connectors.direct_orders import items, wholesale_import
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ItemDefined
from shared.contracts.keys import order_id_for


async def known_item(engine, code: str) -> None:
    event = ItemDefined(code=code, name=code, kind="finished_good", base_unit="pc")
    await apply_once(engine, items.remember_item, Envelope.wrap(event), event)


def order_keys(references: list[str]) -> list[str]:
    """Every event about a channel order is keyed by its Lotline order id."""
    return sorted(str(order_id_for("wholesale", r)) for r in references)


async def published_for(engine, references: list[str]) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.key).where(t.OUTBOX.c.key.in_(order_keys(references)))
        )
    return sorted(r.key for r in rows)


async def test_the_same_file_imported_concurrently_publishes_each_order_once(connectors_engine):
    jam = f"JAM-{uuid.uuid4().hex[:8].upper()}"
    await known_item(connectors_engine, jam)
    po1, po2 = f"PO-{uuid.uuid4().hex[:8]}", f"PO-{uuid.uuid4().hex[:8]}"
    body = (
        "order_reference,customer_name,item,quantity\n"
        f"{po1},Bottega,{jam},3\n{po1},Bottega,{jam},x\n{po2},Forno,{jam},1\n"
    ).encode()

    reports = await asyncio.gather(
        *(wholesale_import.import_orders(connectors_engine, body) for _ in range(4))
    )

    assert await published_for(connectors_engine, [po1, po2]) == order_keys([po1, po2])
    assert sum(o.created for r in reports for o in r.orders) == 2
    assert all([(e.line, e.reference) for e in r.errors] == [(3, po1)] for r in reports)
