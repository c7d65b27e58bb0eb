"""Work many events of a batch ask for runs once, after all of them, inside the batch's
transaction (``Delivery.once_before_commit``); alone, an event's runs once after it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consuming import Delivery, apply_batch, apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.units import Quantity


def received(code: str, item: str) -> tuple[Envelope, LotReceived]:
    event = LotReceived(lot_code=code, item_code=item, quantity=Quantity.of(3, "pc"))
    return Envelope.wrap(event), event


def recording(log: list[str]) -> Callable[[Delivery, LotReceived], Awaitable[None]]:
    """A use case noting each event, and asking for one total per item at the end."""

    async def use_case(tx: Delivery, event: LotReceived) -> None:
        log.append(f"event {event.lot_code}")
        item = event.item_code

        async def total() -> None:
            in_transaction = tx.conn.in_transaction()
            log.append(f"total {item} after {sum(e.startswith('event') for e in log)} events"
                       f"{'' if in_transaction else ' OUTSIDE'}")  # fmt: skip

        tx.once_before_commit(("total", item), total)

    return use_case


async def test_a_batch_runs_each_keyed_action_once_after_every_event(
    orders_engine: AsyncEngine,
) -> None:
    log: list[str] = []
    use_case = recording(log)
    tag = uuid.uuid4().hex[:6]
    batch = [(*received(f"{tag}-{n}", "HONEY" if n % 2 else "SOAP"), use_case) for n in range(5)]

    applied = await apply_batch(orders_engine, f"test-{tag}", batch)

    assert applied == 5
    assert log == [f"event {tag}-{n}" for n in range(5)] + [
        "total SOAP after 5 events",
        "total HONEY after 5 events",
    ]


async def test_a_redelivered_batch_runs_nothing_and_an_event_alone_runs_its_action(
    orders_engine: AsyncEngine,
) -> None:
    log: list[str] = []
    use_case = recording(log)
    tag = uuid.uuid4().hex[:6]
    envelope, event = received(f"{tag}-0", "SOAP")

    await apply_once(orders_engine, use_case, envelope, event, consumer=f"test-{tag}")
    await apply_batch(orders_engine, f"test-{tag}", [(envelope, event, use_case)])

    assert log == [f"event {tag}-0", "total SOAP after 1 events"]


async def test_every_event_of_a_batch_gets_the_action_the_first_one_registered(
    orders_engine: AsyncEngine,
) -> None:
    """``once_before_commit`` returns the action registered under the key, so the events of
    a batch can hand one object what it needs (lots they touched) and it runs once."""
    seen: list[list[str]] = []

    class Gathered:
        def __init__(self) -> None:
            self.codes: list[str] = []

        async def __call__(self) -> None:
            seen.append(self.codes)

    async def use_case(tx: Delivery, event: LotReceived) -> None:
        tx.once_before_commit("gathered", Gathered()).codes.append(event.lot_code)

    tag = uuid.uuid4().hex[:6]
    batch = [(*received(f"{tag}-{n}", "SOAP"), use_case) for n in range(3)]

    await apply_batch(orders_engine, f"test-{tag}", batch)

    assert seen == [sorted(f"{tag}-{n}" for n in range(3))]
