"""One ``LotChanged`` per lot per consumed transaction, on the real PostgreSQL: a batch of
reservations (``apply_batch``) stages one snapshot of each lot it touched, at its end, with
the lot's final figures and a revision one above the previous one, caused by the first
event of the batch that touched the lot; an event applied alone still stages its own; and
when an event of a batch fails, the others, applied alone, still stage theirs."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from services.inventory import tables as t
from services.inventory.publishing import publish
from shared.consuming import Delivery, Routed, apply_batch, apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderLineRef, OrderReceived
from shared.units import Quantity
from tests.integration.test_inventory_reservation import order_for, stocked

LOT_CHANGED = "inventory.lot_changed"


async def snapshots(engine: AsyncEngine, lot_code: str) -> list[dict[str, Any]]:
    """The lot's LotChanged envelopes in the outbox, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope)
            .where(t.OUTBOX.c.key == lot_code, t.OUTBOX.c.event_type == LOT_CHANGED)
            .order_by(t.OUTBOX.c.id)
        )
        return [row.envelope for row in rows]


async def lot_row(engine: AsyncEngine, lot_code: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(t.lot).where(t.lot.c.lot_code == lot_code))).one()


def reservations(orders: Sequence[tuple[Envelope, OrderReceived]]) -> list[Routed]:
    return [(envelope, event, service.reserve_for_order) for envelope, event in orders]


async def test_a_batch_of_reservations_on_one_lot_stages_one_snapshot_of_it(
    inventory_engine: AsyncEngine,
) -> None:
    sku = await stocked(inventory_engine, ("50", "2027-05-01"))
    lot = f"{sku}-L0"
    before = await snapshots(inventory_engine, lot)
    revision = (await lot_row(inventory_engine, lot)).revision
    orders = [order_for(sku, "2") for _ in range(6)]

    applied = await apply_batch(inventory_engine, "inventory", reservations(orders))

    assert applied == 6
    staged = (await snapshots(inventory_engine, lot))[len(before) :]
    assert len(staged) == 1
    (snapshot,) = staged
    assert Decimal(snapshot["payload"]["reserved"]["value"]) == Decimal(12)
    assert Decimal(snapshot["payload"]["on_hand"]["value"]) == Decimal(50)
    assert snapshot["payload"]["revision"] == revision + 1
    assert (await lot_row(inventory_engine, lot)).revision == revision + 1
    # caused by the first event of the batch (in key order) that touched the lot
    first = sorted(orders, key=lambda o: o[0].key)[0][0]
    assert snapshot["causation_id"] == str(first.event_id)
    assert snapshot["correlation_id"] == str(first.correlation_id or first.event_id)
    # every order still got its own answer
    async with inventory_engine.connect() as conn:
        answers = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.OUTBOX)
            .where(
                t.OUTBOX.c.event_type == "inventory.stock_reserved",
                t.OUTBOX.c.key.in_([str(event.order_id) for _, event in orders]),
            )
        )
    assert answers == 6


async def test_two_lots_touched_by_a_batch_get_one_snapshot_each(
    inventory_engine: AsyncEngine,
) -> None:
    first = await stocked(inventory_engine, ("10", "2027-05-01"))
    second = await stocked(inventory_engine, ("10", "2027-05-01"))
    lots = [f"{first}-L0", f"{second}-L0"]
    before = {lot: len(await snapshots(inventory_engine, lot)) for lot in lots}
    orders = [order_for(sku, "1") for sku in (first, second, first, second, first)]

    await apply_batch(inventory_engine, "inventory", reservations(orders))

    for lot, reserved in zip(lots, (3, 2), strict=True):
        staged = (await snapshots(inventory_engine, lot))[before[lot] :]
        assert [Decimal(s["payload"]["reserved"]["value"]) for s in staged] == [Decimal(reserved)]


async def test_a_reservation_applied_alone_stages_its_snapshot(
    inventory_engine: AsyncEngine,
) -> None:
    sku = await stocked(inventory_engine, ("10", "2027-05-01"))
    lot = f"{sku}-L0"
    revision = (await lot_row(inventory_engine, lot)).revision
    envelope, event = order_for(sku, "4")

    await apply_once(inventory_engine, service.reserve_for_order, envelope, event)

    last = (await snapshots(inventory_engine, lot))[-1]
    assert Decimal(last["payload"]["reserved"]["value"]) == Decimal(4)
    assert last["payload"]["revision"] == revision + 1
    assert last["causation_id"] == str(envelope.event_id)


async def test_consecutive_batches_stage_strictly_growing_revisions(
    inventory_engine: AsyncEngine,
) -> None:
    sku = await stocked(inventory_engine, ("30", "2027-05-01"))
    lot = f"{sku}-L0"
    before = len(await snapshots(inventory_engine, lot))

    for _ in range(3):
        batch = reservations([order_for(sku, "1") for _ in range(3)])
        await apply_batch(inventory_engine, "inventory", batch)

    staged = (await snapshots(inventory_engine, lot))[before:]
    revisions = [s["payload"]["revision"] for s in staged]
    assert len(staged) == 3 and revisions == sorted(set(revisions))
    assert [Decimal(s["payload"]["reserved"]["value"]) for s in staged] == [3, 6, 9]


async def test_a_failing_event_does_not_cost_the_others_their_snapshots(
    inventory_engine: AsyncEngine,
) -> None:
    """The failing event rolls the batch back; applied alone as the consumer then does
    (``EventSubscriber.deliver_batch``), the others stage the snapshots of their lots."""
    first = await stocked(inventory_engine, ("10", "2027-05-01"))
    second = await stocked(inventory_engine, ("10", "2027-05-01"))
    lots = [f"{first}-L0", f"{second}-L0"]
    before = {lot: len(await snapshots(inventory_engine, lot)) for lot in lots}

    async def reserve_then_explode(tx: Delivery, event: OrderReceived) -> None:
        await service.reserve_for_order(tx, event)
        raise RuntimeError("deterministic bug")

    good = [order_for(first, "1"), order_for(second, "2")]
    bad_event = OrderReceived(
        order_id=uuid.uuid4(),
        channel="test",
        external_id=uuid.uuid4().hex,
        lines=(OrderLineRef(line_no=1, item_code=first, quantity=Quantity.of("5", "pc")),),
    )
    bad = (Envelope.wrap(bad_event), bad_event)
    batch: list[Routed] = [*reservations(good), (*bad, reserve_then_explode)]

    with pytest.raises(RuntimeError):
        await apply_batch(inventory_engine, "inventory", batch)
    assert {lot: len(await snapshots(inventory_engine, lot)) for lot in lots} == before
    for envelope, event, use_case in batch:
        with contextlib.suppress(RuntimeError):  # the bad one: retried, then dead-lettered
            await apply_once(inventory_engine, use_case, envelope, event, consumer="inventory")

    for lot, reserved in zip(lots, (1, 2), strict=True):
        staged = (await snapshots(inventory_engine, lot))[before[lot] :]
        assert [Decimal(s["payload"]["reserved"]["value"]) for s in staged] == [Decimal(reserved)]
        assert (await lot_row(inventory_engine, lot)).reserved == reserved


async def test_a_lot_touched_in_a_rolled_back_savepoint_is_still_snapshotted_harmlessly(
    inventory_engine: AsyncEngine,
) -> None:
    """An event of the batch notes a lot, then undoes its change (a savepoint rolled back):
    the lot is snapshotted all the same, with its unchanged figures, and the lot another
    event of the batch changed keeps its snapshot."""
    first = await stocked(inventory_engine, ("10", "2027-05-01"))
    second = await stocked(inventory_engine, ("10", "2027-05-01"))
    lots = [f"{first}-L0", f"{second}-L0"]
    before = {lot: len(await snapshots(inventory_engine, lot)) for lot in lots}
    second_id = (await lot_row(inventory_engine, lots[1])).id

    async def touch_then_undo(tx: Delivery, event: OrderReceived) -> None:
        try:
            async with tx.conn.begin_nested():
                await tx.conn.execute(
                    t.lot.update().where(t.lot.c.id == second_id).values(reserved=7)
                )
                await publish(tx, [], touched_lots=[second_id])
                raise LookupError("changed its mind")
        except LookupError:
            pass

    envelope, event = order_for(first, "3")
    undo_env, undo_event = order_for(second, "1")
    batch: list[Routed] = [
        (envelope, event, service.reserve_for_order),
        (undo_env, undo_event, touch_then_undo),
    ]

    await apply_batch(inventory_engine, "inventory", batch)

    for lot, reserved in zip(lots, (3, 0), strict=True):
        staged = (await snapshots(inventory_engine, lot))[before[lot] :]
        assert [Decimal(s["payload"]["reserved"]["value"]) for s in staged] == [Decimal(reserved)]


async def test_a_request_publishes_its_snapshot_at_once(inventory_engine: AsyncEngine) -> None:
    """No delivery (an API call): the snapshot is staged with the call, in its transaction."""
    sku = await stocked(inventory_engine, ("10", "2027-05-01"))
    lot = f"{sku}-L0"
    async with inventory_engine.begin() as conn:
        lot_id = (await conn.execute(sa.select(t.lot.c.id).where(t.lot.c.lot_code == lot))).one()[0]
        await publish(conn, [], touched_lots=[lot_id])
        async with conn.begin_nested():
            staged = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(t.OUTBOX)
                .where(t.OUTBOX.c.key == lot, t.OUTBOX.c.event_type == LOT_CHANGED)
            )
    assert staged == 2  # the receipt's, and this one
