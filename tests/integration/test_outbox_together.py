"""A batch of consumed events writes what it publishes to the outbox in one statement, in
the order it was published, and nothing when the batch fails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import outbox
from shared.consuming import Delivery, apply_batch
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.outbox import OUTBOX
from shared.units import Quantity


def received(code: str) -> tuple[Envelope, LotReceived]:
    event = LotReceived(lot_code=code, item_code="HONEY", quantity=Quantity.of(3, "pc"))
    return Envelope.wrap(event), event


async def echo_twice(tx: Delivery, event: LotReceived) -> None:
    """Publishes in two calls, as use cases that publish as they go do."""
    await tx.publish([event.model_copy(update={"lot_code": f"{event.lot_code}-a"})])
    await tx.publish([event.model_copy(update={"lot_code": f"{event.lot_code}-b"})])


async def explode(tx: Delivery, event: LotReceived) -> None:
    await tx.publish([event])
    raise RuntimeError("refused")


@contextmanager
def outbox_inserts(_engine: AsyncEngine) -> Iterator[list[int]]:
    """How many rows each outbox insert wrote, call by call (one pipelined round trip
    each: ``shared.hot_sql``)."""
    seen: list[int] = []
    insert = outbox._INSERT
    original = insert.execute_many

    async def counted(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        seen.append(len(rows))
        await original(conn, rows)

    insert.execute_many = counted  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del insert.execute_many


async def staged_codes(engine: AsyncEngine, prefix: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(OUTBOX.c.envelope["payload"]["lot_code"].astext)
            .where(OUTBOX.c.envelope["payload"]["lot_code"].astext.startswith(prefix))
            .order_by(OUTBOX.c.id)
        )
        return [row[0] for row in rows]


async def test_a_batch_writes_its_outbox_rows_in_one_statement_in_publish_order(
    orders_engine: AsyncEngine,
) -> None:
    prefix = f"T-{uuid.uuid4().hex[:6]}"
    batch = [(*received(f"{prefix}-{n}"), echo_twice) for n in range(3)]

    with outbox_inserts(orders_engine) as inserts:
        assert await apply_batch(orders_engine, "orders", batch) == 3

    assert inserts == [6]
    assert await staged_codes(orders_engine, prefix) == [
        f"{prefix}-{n}-{half}" for n in range(3) for half in "ab"
    ]


async def test_a_failed_batch_leaves_no_outbox_row(orders_engine: AsyncEngine) -> None:
    prefix = f"T-{uuid.uuid4().hex[:6]}"
    batch = [(*received(f"{prefix}-0"), echo_twice), (*received(f"{prefix}-1"), explode)]

    with pytest.raises(RuntimeError, match="refused"):
        await apply_batch(orders_engine, "orders", batch)

    assert await staged_codes(orders_engine, prefix) == []
