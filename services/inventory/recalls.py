"""A recall reaches inventory: its lots are blocked, and the open orders holding stock of
them are named, so orders can put them on hold."""

from __future__ import annotations

from services.inventory import repository
from services.inventory.publishing import publish
from shared.consuming import Delivery
from shared.contracts.inventory import RecallApplied, RecalledReservation
from shared.contracts.trace import RecallIssued
from shared.units import Quantity

CONSUMER = "inventory"


async def block_recalled_lots(tx: Delivery, event: RecallIssued) -> None:
    """Block every recalled lot we hold (once), and name the reservations on them."""
    conn, envelope = tx.conn, tx.envelope
    lots = await repository.lots_by_code_for_update(conn, event.lot_codes)
    ids = [lot.id for lot in lots.values()]
    changed = await repository.block_lots(conn, ids, recall_id=event.recall_id, reason=event.reason)
    held = await repository.open_reservations_on(conn, ids)
    applied = RecallApplied(
        recall_id=event.recall_id,
        reason=event.reason,
        blocked_lots=tuple(sorted(lots)),
        unknown_lots=tuple(sorted(set(event.lot_codes) - set(lots))),
        reservations=tuple(
            RecalledReservation(
                order_id=r.order_id,
                line_no=r.line_no,
                lot_code=r.lot_code,
                quantity=Quantity.of(r.quantity, r.unit),
            )
            for r in held
        ),
    )
    await publish(conn, [applied], cause=envelope, touched_lots=changed)
