"""A page waiting on the live feed: a timeout ends its wait cleanly however many pages time
out at once (a Condition lost its lock that way and ended the page's stream), and a new
event wakes every waiter with what came."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from services.gateway.dashboard.live_feed import LiveFeed
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderStatus, OrderStatusChanged
from shared.settings import Settings


def status_changed() -> Envelope:
    return Envelope.wrap(
        OrderStatusChanged(order_id=uuid4(), previous=None, status=OrderStatus.RECEIVED)
    )


async def test_many_pages_timing_out_together_keep_waiting_cleanly() -> None:
    feed = LiveFeed(Settings())
    start = feed.buffer.last_id

    for _ in range(3):  # timeouts, again and again, all at once
        answers = await asyncio.gather(*(feed.wait_after(start, seconds=0.01) for _ in range(50)))
        assert all(not a.notices and not a.resync for a in answers)

    waiting = [asyncio.create_task(feed.wait_after(start, seconds=30)) for _ in range(20)]
    await asyncio.sleep(0)  # every page is waiting
    notice = await feed.publish("order", status_changed())

    answers = await asyncio.wait_for(asyncio.gather(*waiting), timeout=5)
    assert all([n.id for n in a.notices] == [notice.id] for a in answers)
