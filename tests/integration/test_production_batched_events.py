"""Production applies a consumed batch's orders together (one statement per batch, not per
event) on the real PostgreSQL: orders reserved from stock are promised once each, caused by
their own reservation; received orders are remembered with their first terms; a stale lot
snapshot does not wake the re-plan.

Every promise is made ``today`` Monday 1 March 2027, a week without holidays.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import handlers
from services.production import tables as t
from services.production.promise import customer_orders, replanner, stock_promises
from shared import wakeups
from shared.consuming import Delivery, apply_batch
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotStatus, StockReserved
from shared.contracts.orders import OrderReceived
from shared.settings import PromiseSettings
from shared.units import Quantity
from tests.integration.test_production_promises import promise_envelopes

MONDAY = date(2027, 3, 1)
TERMS = PromiseSettings(handling_days_by_shop={"slow.example": 3})


async def promise_from_stock(tx: Delivery, event: StockReserved) -> None:
    stock_promises.promise_from_stock(
        tx, event, terms=TERMS, today=MONDAY, calendar=replanner.SITE_CALENDAR
    )


def received(order_id: uuid.UUID, *, shop: str | None, service: str | None = None) -> Any:
    event = OrderReceived(
        order_id=order_id,
        channel="shopify",
        external_id=str(order_id),
        lines=(),
        shop=shop,
        shipping_service=service,
    )
    return Envelope.wrap(event), event, customer_orders.remember


def reserved(order_id: uuid.UUID) -> Any:
    event = StockReserved(order_id=order_id, reservations=())
    return Envelope.wrap(event), event, promise_from_stock


async def stored_promise(engine: AsyncEngine, order_id: uuid.UUID) -> date | None:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(t.order_promise.c.promised_on).where(
                    t.order_promise.c.order_id == order_id
                )
            )
        ).scalar()


async def test_a_batch_of_reservations_promises_each_new_order_once_caused_by_its_own_event(
    production_engine,
):
    slow, plain, promised_before = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await apply_batch(production_engine, "production", [received(slow, shop="slow.example")])
    async with production_engine.begin() as conn:
        await replanner.record(conn, {promised_before: (date(2027, 3, 19), "line OVEN busy")})
    first_of_slow, of_plain, of_promised = (
        reserved(slow),
        reserved(plain),
        reserved(promised_before),
    )
    batch = [first_of_slow, of_plain, of_promised, reserved(slow)]

    assert await apply_batch(production_engine, "production", batch) == 4

    [slow_promise] = await promise_envelopes(production_engine, slow)
    assert slow_promise["payload"]["promised_on"] == "2027-03-08"  # handling 3 + transit 2
    assert slow_promise["causation_id"] == str(first_of_slow[0].event_id)
    # its flow: the reservation (which began none of its own here)
    assert slow_promise["correlation_id"] == str(first_of_slow[0].event_id)
    [plain_promise] = await promise_envelopes(production_engine, plain)
    assert plain_promise["payload"]["promised_on"] == "2027-03-04"  # handling 1 + transit 2
    assert plain_promise["causation_id"] == str(of_plain[0].event_id)
    assert len(await promise_envelopes(production_engine, promised_before)) == 1  # its own
    assert await stored_promise(production_engine, promised_before) == date(2027, 3, 19)

    # a later reservation of an order promised already changes and publishes nothing
    await apply_batch(production_engine, "production", [reserved(plain)])
    assert len(await promise_envelopes(production_engine, plain)) == 1
    assert await stored_promise(production_engine, plain) == date(2027, 3, 4)


async def test_a_batch_of_received_orders_is_remembered_with_each_orders_first_terms(
    production_engine,
):
    first, second = uuid.uuid4(), uuid.uuid4()
    batch = [
        received(first, shop="slow.example", service="Express"),
        received(second, shop=None),
        received(first, shop="other.example"),  # the same order again: the first terms win
    ]

    assert await apply_batch(production_engine, "production", batch) == 3
    await apply_batch(production_engine, "production", [received(second, shop="late.example")])

    async with production_engine.connect() as conn:
        rows = {
            r.order_id: (r.channel, r.shop, r.shipping_service)
            for r in await conn.execute(
                sa.select(t.customer_order).where(t.customer_order.c.order_id.in_([first, second]))
            )
        }
    assert rows == {
        first: ("shopify", "slow.example", "Express"),
        second: ("shopify", None, None),
    }


def lot_snapshot(lot_code: str, revision: int, on_hand: str) -> LotChanged:
    return LotChanged(
        lot_code=lot_code,
        item_code="FLOUR-" + lot_code,
        on_hand=Quantity.of(on_hand, "kg"),
        reserved=Quantity.of("0", "kg"),
        revision=revision,
        status=LotStatus.AVAILABLE,
    )


async def test_a_stale_lot_snapshot_does_not_wake_the_re_plan_a_newer_one_does(
    production_engine,
):
    woken: list[str] = []
    wakeups.wake_after_commit(production_engine, replanner.PLAN_CHANGED, lambda: woken.append("x"))
    routes = {LotChanged: handlers.on_lot_changed}
    lot_code = f"L-{uuid.uuid4().hex[:8]}"

    async def apply(event: LotChanged) -> None:
        await apply_batch(
            production_engine, "production", [(Envelope.wrap(event), event, routes[LotChanged])]
        )

    await apply(lot_snapshot(lot_code, 2, "10"))
    assert len(woken) == 1
    await apply(lot_snapshot(lot_code, 1, "50"))  # arrived late: kept the newer one
    assert len(woken) == 1
    await apply(lot_snapshot(lot_code, 3, "4"))
    assert len(woken) == 2


async def test_a_batch_keeps_each_lots_highest_revision_in_one_write_and_wakes_once(
    production_engine,
):
    woken: list[str] = []
    wakeups.wake_after_commit(production_engine, replanner.PLAN_CHANGED, lambda: woken.append("x"))
    first, second = (f"L-{uuid.uuid4().hex[:8]}" for _ in range(2))

    async def apply(*events: LotChanged) -> None:
        await apply_batch(
            production_engine,
            "production",
            [(Envelope.wrap(e), e, handlers.on_lot_changed) for e in events],
        )

    # one lot's snapshots out of order within the batch, another lot beside them
    await apply(
        lot_snapshot(first, 3, "7"), lot_snapshot(first, 2, "9"), lot_snapshot(second, 1, "5")
    )
    assert len(woken) == 1
    await apply(lot_snapshot(first, 1, "50"), lot_snapshot(first, 3, "60"))  # all stale
    assert len(woken) == 1
    async with production_engine.connect() as conn:
        rows = dict(
            (
                await conn.execute(
                    sa.select(t.lot.c.lot_code, t.lot.c.on_hand).where(
                        t.lot.c.lot_code.in_([first, second])
                    )
                )
            ).all()
        )
    assert rows == {first: Decimal("7"), second: Decimal("5")}
