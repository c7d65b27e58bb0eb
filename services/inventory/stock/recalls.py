"""A recall reaches inventory: its lots are blocked — with the quarantine lots of goods
returned from them — the open orders holding stock of them are named, so orders can put
them on hold, and production holding them is held again from other lots (or told it is
short), so no batch is left to consume a recalled lot."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory.production import material_repository
from services.inventory.production.holding_and_completion import retry_waiting_requests, try_to_hold
from services.inventory.publishing import publish
from services.inventory.reservations import reservation_repository
from services.inventory.reservations.channel_rules import quarantine_lot_code
from services.inventory.stock import lot_repository
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.inventory import (
    MaterialNeed,
    RecallApplied,
    RecalledReservation,
    RecallLifted,
)
from shared.contracts.trace import RecallIssued, RecallWithdrawn
from shared.units import Quantity

CONSUMER = "inventory"


async def block_recalled_lots(tx: Delivery, event: RecallIssued) -> None:
    """Block every recalled lot we hold (once), and name the reservations on them."""
    conn = tx.conn
    named = set(event.lot_codes)
    lots = await lot_repository.lots_by_code_for_update(
        conn, sorted(named | {quarantine_lot_code(code) for code in named})
    )
    ids = [lot.id for lot in lots.values()]
    changed = await lot_repository.block_lots(
        conn, ids, recall_id=event.recall_id, reason=event.reason
    )
    held = await reservation_repository.open_reservations_on(conn, ids)
    answers, touched = await _hold_production_elsewhere(conn, ids)
    applied = RecallApplied(
        recall_id=event.recall_id,
        reason=event.reason,
        blocked_lots=tuple(sorted(lots)),
        unknown_lots=tuple(sorted(named - set(lots))),
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
    await publish(tx, [applied, *answers], touched_lots=[*changed, *touched])


async def unblock_withdrawn_recall(tx: Delivery, event: RecallWithdrawn) -> None:
    """Unblock exactly what the withdrawn recall blocked; waiting material requests get
    another try with the stock back; orders hear which lots count again."""
    conn = tx.conn
    unblocked = await lot_repository.unblock_lots_of(conn, event.recall_id)
    ids = [lot_id for lot_id, _ in unblocked]
    retried = await retry_waiting_requests(conn, await lot_repository.items_of_lots(conn, ids))
    lifted = RecallLifted(
        recall_id=event.recall_id,
        reason=event.reason,
        unblocked_lots=tuple(code for _, code in unblocked),
    )
    await publish(tx, [lifted, *retried.events], touched_lots=[*ids, *retried.touched_lots])


async def _hold_production_elsewhere(
    conn: AsyncConnection, lot_ids: Sequence[int]
) -> tuple[list[Event], list[int]]:
    """Every production order holding a recalled lot gives its holds back and asks again:
    held from other lots (``MaterialsReserved``: production swaps its default inputs) or
    short (``MaterialsShort``: it is blocked and says on what)."""
    answers: list[Event] = []
    touched: list[int] = []
    for production_order_id in await material_repository.production_holding(conn, lot_ids):
        request = await material_repository.material_request(conn, production_order_id)
        if request is None:
            continue
        touched += await material_repository.release_holds(conn, production_order_id)
        needs = [MaterialNeed.model_validate(m) for m in request.materials]
        answer, held = await try_to_hold(conn, production_order_id, needs)
        answers.append(answer)
        touched += held
    return answers, touched
