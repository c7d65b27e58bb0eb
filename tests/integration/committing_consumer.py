"""A consumer group in a process of its own, for ``test_offset_commits``: it applies
``LotReceived`` events (an effect row each, through the inbox) with the settings of its
environment, and runs until it is killed.

    python -m tests.integration.committing_consumer <group name>
"""

from __future__ import annotations

import asyncio
import sys

import sqlalchemy as sa

from shared import db
from shared.consuming import Delivery
from shared.contracts import topics
from shared.contracts.inventory import LotReceived
from shared.messaging import EventSubscriber, Routes, kafka_broker
from shared.settings import Settings

EFFECTS = sa.table("test_commit_effects", sa.column("event_id"), sa.column("lot_code"))
CREATE_EFFECTS = "CREATE TABLE IF NOT EXISTS test_commit_effects (event_id uuid, lot_code text)"
SERVICE = "committest"


async def apply_lot(tx: Delivery, event: LotReceived) -> None:
    await tx.conn.execute(
        sa.insert(EFFECTS).values(event_id=tx.envelope.event_id, lot_code=event.lot_code)
    )


ROUTES: Routes = {LotReceived: apply_lot}


async def main(name: str) -> None:
    settings = Settings()
    engine = db.create_engine(settings.pg.url("orders"), pool_size=2)
    broker = kafka_broker(settings.kafka, client_id=f"test-{name}")
    subscriber = EventSubscriber(
        broker, settings.kafka, service=SERVICE, consumer=settings.consumer
    )
    subscriber.consume(broker, topics.INVENTORY, engine, ROUTES, name=name)
    await broker.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
