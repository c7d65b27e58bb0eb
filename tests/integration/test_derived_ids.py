"""Events a consumed event causes carry ids derived from it: applied again on a database
restored to before it (``make restore``), it stages the very same ids, so the consumers
that already saw them skip them instead of applying their effects twice."""

from __future__ import annotations

import uuid
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import outbox
from shared.consuming import Delivery, apply_batch, apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.inbox import INBOX
from shared.outbox import OUTBOX
from shared.units import Quantity


def received() -> tuple[Envelope, LotReceived]:
    event = LotReceived(
        lot_code=f"L-{uuid.uuid4().hex[:8]}", item_code="HONEY", quantity=Quantity.of(3, "pc")
    )
    return Envelope.wrap(event), event


async def echo_twice(tx: Delivery, event: LotReceived) -> list[UUID]:
    """Stages two events in two calls, as use cases that publish as they go do."""
    first = await tx.publish([event.model_copy(update={"lot_code": f"{event.lot_code}-a"})])
    second = await tx.publish([event.model_copy(update={"lot_code": f"{event.lot_code}-b"})])
    return [e.event_id for e in (*first, *second)]


async def staged_ids(engine: AsyncEngine, cause: UUID) -> list[UUID]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(OUTBOX.c.event_id)
            .where(OUTBOX.c.envelope["causation_id"].astext == str(cause))
            .order_by(OUTBOX.c.id)
        )
        return [row.event_id for row in rows]


async def forget(engine: AsyncEngine, envelope: Envelope) -> None:
    """The database as a backup taken before the event was applied would restore it."""
    async with engine.begin() as conn:
        await conn.execute(INBOX.delete().where(INBOX.c.event_id == envelope.event_id))
        await conn.execute(
            OUTBOX.delete().where(
                OUTBOX.c.envelope["causation_id"].astext == str(envelope.event_id)
            )
        )


async def test_applied_again_after_a_restore_an_event_stages_the_same_ids(orders_engine):
    envelope, event = received()
    first = await apply_once(orders_engine, echo_twice, envelope, event, consumer="orders")
    assert await staged_ids(orders_engine, envelope.event_id) == first
    await forget(orders_engine, envelope)

    await apply_batch(orders_engine, "orders", [(envelope, event, echo_twice)])

    again = await staged_ids(orders_engine, envelope.event_id)
    assert again == first and len(set(first)) == 2


async def test_two_services_applying_one_event_derive_different_ids(orders_engine):
    envelope, event = received()

    by_orders = await apply_once(orders_engine, echo_twice, envelope, event, consumer="orders")
    by_trace = await apply_once(orders_engine, echo_twice, envelope, event, consumer="trace")

    assert set(by_orders).isdisjoint(by_trace)


async def test_a_worker_staging_for_the_same_cause_outside_the_inbox_draws_new_ids(
    orders_engine,
):
    envelope, event = received()
    derived = await apply_once(orders_engine, echo_twice, envelope, event, consumer="orders")

    drawn = []
    for _ in range(2):  # e.g. a re-plan naming the event as its cause, run twice
        async with orders_engine.begin() as conn:
            staged = await outbox.add(conn, [event], causation_id=envelope.event_id)
        drawn.append(staged[0].event_id)

    assert len(set(drawn)) == 2 and set(drawn).isdisjoint(derived)
