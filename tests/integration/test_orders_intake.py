"""Orders against the real PostgreSQL: one order per channel order, however delivered."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from services.orders import handlers, parking, repository, service
from services.orders import tables as t
from shared.consuming import Delivery, Routed, apply_batch, apply_once
from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ReservedLot, StockReserved
from shared.units import Quantity
from tests.integration.advisory_locks import waiting


def inbound(
    external_id: str, sku: str = "SOAP-1", item: str | None = "SOAP"
) -> InboundOrderReceived:
    return InboundOrderReceived(
        channel="shopify",
        shop="demo.myshopify.com",
        external_id=external_id,
        lines=(
            InboundOrderLine(
                external_line_id="1", sku=sku, item_code=item, quantity=Quantity.of(2, "pc")
            ),
        ),
    )


def reserved_for(order_id: uuid.UUID) -> StockReserved:
    """Inventory's answer to ``inbound``'s order: its one line reserved from lot L-1."""
    line = ReservedLot(line_no=1, item_code="SOAP", lot_code="L-1", quantity=Quantity.of(2, "pc"))
    return StockReserved(order_id=order_id, reservations=(line,))


async def test_duplicate_deliveries_make_one_order(orders_engine):
    event = inbound(str(uuid.uuid4().int >> 65))
    envelopes = [Envelope.wrap(event) for _ in range(4)] + [Envelope.wrap(event)] * 2

    await asyncio.gather(
        *(apply_once(orders_engine, service.receive_inbound_order, e, event) for e in envelopes)
    )

    async with orders_engine.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.order)
            .where(t.order.c.external_id == event.external_id)
        )
        published = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.OUTBOX)
            .where(
                t.OUTBOX.c.event_type == "orders.order_received",
                t.OUTBOX.c.key == str(service.order_id_for("shopify", event.external_id)),
            )
        )
    assert count == 1
    assert published == 1


async def test_an_unknown_sku_is_stored_on_hold_with_the_reason(orders_engine):
    event = inbound(str(uuid.uuid4().int >> 65), sku="NOPE-1", item=None)

    await apply_once(orders_engine, service.receive_inbound_order, Envelope.wrap(event), event)

    async with orders_engine.connect() as conn:
        order = await repository.load_order(
            conn, service.order_id_for("shopify", event.external_id)
        )
    assert order is not None
    assert order["status"] == "on_hold"
    assert order["hold_reason"] == "unknown_sku: NOPE-1"
    assert [h["status"] for h in order["history"]] == ["received", "on_hold"]


async def test_a_stock_outcome_moves_the_order_once(orders_engine):
    event = inbound(str(uuid.uuid4().int >> 65))
    await apply_once(orders_engine, service.receive_inbound_order, Envelope.wrap(event), event)
    order_id = service.order_id_for("shopify", event.external_id)
    reserved = reserved_for(order_id)
    envelope = Envelope.wrap(reserved)

    await apply_once(orders_engine, service.apply_stock_outcome, envelope, reserved)
    await apply_once(orders_engine, service.apply_stock_outcome, envelope, reserved)

    async with orders_engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
    assert order is not None
    assert order["status"] == "ready_to_ship"
    assert len(order["reservations"]) == 1
    assert [h["status"] for h in order["history"]] == ["received", "ready_to_ship"]


async def test_a_reservation_read_before_its_order_waits_for_it_and_applies_once(orders_engine):
    """After a restore, inventory's answer can be read before the channel order."""
    event = inbound(str(uuid.uuid4().int >> 65))
    order_id = service.order_id_for("shopify", event.external_id)
    reserved = reserved_for(order_id)
    early = Envelope.wrap(reserved)
    apply_reserved = handlers.PARKED[StockReserved]
    receive = parking.then_unparked(
        service.receive_inbound_order, handlers._order_of, handlers.ABOUT_AN_ORDER
    )

    await apply_once(orders_engine, apply_reserved, early, reserved, consumer="orders")
    async with orders_engine.connect() as conn:
        assert await repository.load_order(conn, order_id) is None
    await apply_once(orders_engine, receive, Envelope.wrap(event), event, consumer="orders")
    await apply_once(orders_engine, apply_reserved, early, reserved, consumer="orders")  # again

    async with orders_engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
        parked = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.parked_event)
            .where(t.parked_event.c.order_id == order_id)
        )
        caused = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.OUTBOX)
            .where(t.OUTBOX.c.envelope["causation_id"].astext == str(early.event_id))
        )
    assert order is not None and order["status"] == "ready_to_ship"
    assert [h["status"] for h in order["history"]] == ["received", "ready_to_ship"]
    assert len(order["reservations"]) == 1 and parked == 0
    assert caused == 1  # the status change it caused, published once


async def reservation_of_an_unknown_order(engine, order_id) -> None:
    """Inventory's reservation of ``order_id`` applied before the order exists: parked."""
    reserved = reserved_for(order_id)
    await apply_once(
        engine, handlers.PARKED[StockReserved], Envelope.wrap(reserved), reserved, consumer="orders"
    )


async def waits_for_a_lock_or(engine, done: asyncio.Event) -> None:
    """Until some transaction waits for an advisory lock, or ``done`` is set."""
    while not done.is_set():
        if await waiting(engine):
            return
        await asyncio.sleep(0.01)


async def test_a_reservation_parked_while_its_order_is_created_is_not_left_behind(
    orders_engine, monkeypatch
):
    """One consumer parks and keeps its transaction open until another has created the
    order: the creation then waits for the parking to commit, and applies what it parked."""
    park = parking.park
    parked, created, creation_done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def park_and_hold(tx, order_id):
        await park(tx, order_id)
        parked.set()
        await asyncio.wait_for(created.wait(), timeout=10)  # the order is inserted meanwhile
        # Commit only once the creation waits for this transaction's lock, or has finished
        # without waiting (the bug this test is for): never by luck of timing.
        await asyncio.wait_for(waits_for_a_lock_or(orders_engine, creation_done), timeout=10)

    async def receive_and_signal(tx, event):
        await service.receive_inbound_order(tx, event)
        created.set()  # inserted, not committed: unparking comes next

    monkeypatch.setattr(parking, "park", park_and_hold)
    receive = parking.then_unparked(receive_and_signal, handlers._order_of, handlers.ABOUT_AN_ORDER)
    event = inbound(str(uuid.uuid4().int >> 65))
    order_id = service.order_id_for("shopify", event.external_id)
    parking_first = asyncio.create_task(reservation_of_an_unknown_order(orders_engine, order_id))
    await asyncio.wait_for(parked.wait(), timeout=10)  # parked, not committed yet

    await apply_once(orders_engine, receive, Envelope.wrap(event), event, consumer="orders")
    creation_done.set()
    await parking_first

    async with orders_engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
        parked = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.parked_event)
            .where(t.parked_event.c.order_id == order_id)
        )
    assert order is not None and order["status"] == "ready_to_ship" and parked == 0


async def parked_count(engine, order_id: uuid.UUID) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.parked_event)
            .where(t.parked_event.c.order_id == order_id)
        )
    return int(count or 0)


async def test_a_batch_reads_each_order_once_parks_the_unknown_and_fails_as_a_whole(
    orders_engine,
):
    """The reservation use cases read the order themselves (no existence check before them):
    in one batch, a reservation for a known order applies once however often it is in it,
    one for an order not known yet is parked; an event that fails rolls the batch back,
    and applied alone the others still do exactly that."""
    known, later = (inbound(str(uuid.uuid4().int >> 65)) for _ in range(2))
    await apply_once(orders_engine, service.receive_inbound_order, Envelope.wrap(known), known)
    known_id, later_id = (service.order_id_for("shopify", e.external_id) for e in (known, later))
    apply_reserved = handlers.PARKED[StockReserved]
    twice, early = Envelope.wrap(reserved_for(known_id)), Envelope.wrap(reserved_for(later_id))

    async def explodes(tx: Delivery, event: StockReserved) -> None:
        raise RuntimeError("deterministic bug")

    bad = reserved_for(uuid.uuid4())
    good: list[Routed] = [
        (twice, reserved_for(known_id), apply_reserved),
        (twice, reserved_for(known_id), apply_reserved),  # the same event again
        (early, reserved_for(later_id), apply_reserved),
    ]
    with pytest.raises(RuntimeError):
        await apply_batch(orders_engine, "orders", [*good, (Envelope.wrap(bad), bad, explodes)])
    async with orders_engine.connect() as conn:
        untouched = await repository.load_order(conn, known_id)
    assert untouched is not None and untouched["status"] == "received"
    assert await parked_count(orders_engine, later_id) == 0

    assert await apply_batch(orders_engine, "orders", good) == 2  # as the subscriber retries
    assert await apply_batch(orders_engine, "orders", good) == 0  # redelivered: nothing new

    assert await parked_count(orders_engine, later_id) == 1
    receive = parking.then_unparked(
        service.receive_inbound_order, handlers._order_of, handlers.ABOUT_AN_ORDER
    )
    await apply_once(orders_engine, receive, Envelope.wrap(later), later, consumer="orders")
    assert await parked_count(orders_engine, later_id) == 0
    async with orders_engine.connect() as conn:
        for order_id in (known_id, later_id):
            order = await repository.load_order(conn, order_id)
            assert order is not None and order["status"] == "ready_to_ship"
            assert [h["status"] for h in order["history"]] == ["received", "ready_to_ship"]
            assert len(order["reservations"]) == 1


async def test_a_batch_of_orders_takes_what_was_parked_for_them_first_and_applies_it_once(
    orders_engine,
):
    """The channel orders' consumer takes, before its batch, the parking locks and the
    parked events of every order the batch creates (``parking.taken_first``): each order
    then gets its reservation applied once, right after its creation, as order by order;
    a batch that fails takes nothing, and applied alone its events unpark for themselves."""
    first, second = (inbound(str(uuid.uuid4().int >> 65)) for _ in range(2))
    ids = [service.order_id_for("shopify", e.external_id) for e in (first, second)]
    early = [Envelope.wrap(reserved_for(order_id)) for order_id in ids]
    for envelope, order_id in zip(early, ids, strict=True):
        await apply_once(
            orders_engine,
            handlers.PARKED[StockReserved],
            envelope,
            reserved_for(order_id),
            consumer="orders",
        )
    assert [await parked_count(orders_engine, order_id) for order_id in ids] == [1, 1]
    receive = parking.then_unparked(
        service.receive_inbound_order, handlers._order_of, handlers.ABOUT_AN_ORDER
    )
    taken_first = parking.taken_first(handlers._created_by)
    batch: list[Routed] = [
        (Envelope.wrap(first), first, receive),
        (Envelope.wrap(second), second, receive),
        (Envelope.wrap(first), first, receive),  # the channel order sent again: no new order
    ]

    async def explodes(tx: Delivery, event: object) -> None:
        raise RuntimeError("deterministic bug")

    with pytest.raises(RuntimeError):
        await apply_batch(
            orders_engine,
            "orders",
            [*batch, (Envelope.wrap(first), first, explodes)],
            lock_first=taken_first,
        )
    assert [await parked_count(orders_engine, order_id) for order_id in ids] == [1, 1]

    assert await apply_batch(orders_engine, "orders", batch[:2], lock_first=taken_first) == 2
    assert await apply_once(orders_engine, receive, *batch[2][:2], consumer="orders") is None

    async with orders_engine.connect() as conn:
        for order_id, envelope in zip(ids, early, strict=True):
            order = await repository.load_order(conn, order_id)
            assert order is not None and order["status"] == "ready_to_ship"
            assert [h["status"] for h in order["history"]] == ["received", "ready_to_ship"]
            assert len(order["reservations"]) == 1
            caused = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(t.OUTBOX)
                .where(t.OUTBOX.c.envelope["causation_id"].astext == str(envelope.event_id))
            )
            assert caused == 1
    assert [await parked_count(orders_engine, order_id) for order_id in ids] == [0, 0]


async def test_a_reservation_parked_while_a_batch_takes_its_orders_first_is_not_left_behind(
    orders_engine, monkeypatch
):
    """A reservation parked, not committed yet, when a batch creating its order begins:
    the batch's first step waits for the parking to commit, then takes it."""
    park = parking.park
    parked, batch_done = asyncio.Event(), asyncio.Event()

    async def park_and_hold(tx, order_id):
        await park(tx, order_id)
        parked.set()
        # Commit only once the batch waits for this transaction's lock, or has finished
        # without waiting (the bug this test is for): never by luck of timing.
        await asyncio.wait_for(waits_for_a_lock_or(orders_engine, batch_done), timeout=10)

    monkeypatch.setattr(parking, "park", park_and_hold)
    event = inbound(str(uuid.uuid4().int >> 65))
    order_id = service.order_id_for("shopify", event.external_id)
    parking_first = asyncio.create_task(reservation_of_an_unknown_order(orders_engine, order_id))
    await asyncio.wait_for(parked.wait(), timeout=10)  # parked, not committed yet
    receive = parking.then_unparked(
        service.receive_inbound_order, handlers._order_of, handlers.ABOUT_AN_ORDER
    )

    applied = await apply_batch(
        orders_engine,
        "orders",
        [(Envelope.wrap(event), event, receive)],
        lock_first=parking.taken_first(handlers._created_by),
    )
    batch_done.set()
    await parking_first

    async with orders_engine.connect() as conn:
        order = await repository.load_order(conn, order_id)
    assert applied == 1
    assert order is not None and order["status"] == "ready_to_ship"
    assert await parked_count(orders_engine, order_id) == 0
