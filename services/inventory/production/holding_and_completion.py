"""Inventory's side of production: holding materials, waiting for goods, and applying a
completion (consume inputs, create the output lot, allocate it to the orders served)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory.production import material_repository
from services.inventory.production.completion import CompletionFacts, CompletionRefused, complete
from services.inventory.production.materials import Supply, hold_materials, merge_needs
from services.inventory.publishing import publish
from services.inventory.reservations import reservation_repository, shelf_life
from services.inventory.stock import item_repository, lot_repository
from shared.consuming import Delivery
from shared.contracts.base import Event, PoisonMessage
from shared.contracts.inventory import (
    MaterialNeed,
    MaterialsReleased,
    MaterialsReserved,
    MaterialsShort,
    ProductionRejected,
)
from shared.contracts.production import (
    MaterialsRequested,
    ProductionCompleted,
    ProductionOrderStatusChanged,
    ProductionStatus,
)

CONSUMER = "inventory"
log = logging.getLogger(__name__)
PENDING, RESERVED, RELEASED, CONSUMED = "pending", "reserved", "released", "consumed"


@dataclass
class Effects:
    """Events to publish and lots touched by one step inside a larger transaction."""

    events: list[Event] = field(default_factory=list)
    touched_lots: list[int] = field(default_factory=list)

    def add(self, other: Effects) -> None:
        self.events.extend(other.events)
        self.touched_lots.extend(other.touched_lots)


async def try_to_hold(
    conn: AsyncConnection, production_order_id: UUID, materials: Sequence[MaterialNeed]
) -> tuple[MaterialsReserved | MaterialsShort, list[int]]:
    """Hold every material of the order from lots that may be used, or none (short)."""
    items = await item_repository.items_by_code(conn, [m.item_code for m in materials])
    base_units = {code: row.base_unit for code, row in items.items()}
    try:
        needs = merge_needs(materials, base_units)
    except ValueError as error:
        raise PoisonMessage(f"materials of {production_order_id}: {error}") from error
    lots = await lot_repository.lots_for_update(conn, item_codes=list(needs))
    outcome = hold_materials(
        lots,
        needs,
        base_units=base_units,
        supply={c: Supply(r.supplier, r.lead_time_days) for c, r in items.items()},
    )
    if not outcome.complete:
        await material_repository.set_request_status(conn, production_order_id, PENDING)
        return MaterialsShort(
            production_order_id=production_order_id, shortages=outcome.shortages
        ), []
    await material_repository.save_holds(
        conn, production_order_id, [(h.lot.id, h.quantity) for h in outcome.holds]
    )
    await material_repository.set_request_status(conn, production_order_id, RESERVED)
    reserved = MaterialsReserved(
        production_order_id=production_order_id, reservations=outcome.reserved_lots()
    )
    return reserved, [h.lot.id for h in outcome.holds]


async def hold_for_production(tx: Delivery, event: MaterialsRequested) -> None:
    """Hold all materials or none; a new request for the same order replaces the old one."""
    conn = tx.conn
    status = await material_repository.request_status(conn, event.production_order_id)
    if status in (CONSUMED, RELEASED):
        return
    released = await material_repository.release_holds(conn, event.production_order_id)
    await material_repository.upsert_material_request(
        conn,
        event.production_order_id,
        item_code=event.item_code,
        materials=[m.model_dump(mode="json") for m in event.materials],
        status=PENDING,
    )
    answer, held = await try_to_hold(conn, event.production_order_id, event.materials)
    others = await retry_waiting_requests(conn, await lot_repository.items_of_lots(conn, released))
    await publish(
        tx,
        [answer, *others.events],
        touched_lots=[*released, *held, *others.touched_lots],
    )


async def retry_waiting_requests(conn: AsyncConnection, item_codes: Sequence[str]) -> Effects:
    """Stock of ``item_codes`` grew: waiting requests get another try, oldest first."""
    effects = Effects()
    if not item_codes:
        return effects
    waiting = await material_repository.pending_requests_needing(conn, item_codes)
    for request in waiting:
        materials = [MaterialNeed.model_validate(m) for m in request.materials]
        answer, held = await try_to_hold(conn, request.production_order_id, materials)
        if isinstance(answer, MaterialsReserved):
            effects.events.append(answer)
            effects.touched_lots.extend(held)
    return effects


async def release_for_cancelled_production(
    tx: Delivery, event: ProductionOrderStatusChanged
) -> None:
    """A cancelled production order lets go of its materials (and stops waiting)."""
    conn = tx.conn
    if event.status is not ProductionStatus.CANCELLED:
        return
    status = await material_repository.request_status(conn, event.production_order_id)
    if status is None or status in (CONSUMED, RELEASED):
        return
    released = await material_repository.release_holds(conn, event.production_order_id)
    await material_repository.set_request_status(conn, event.production_order_id, RELEASED)
    others = await retry_waiting_requests(conn, await lot_repository.items_of_lots(conn, released))
    await publish(
        tx,
        [MaterialsReleased(production_order_id=event.production_order_id), *others.events],
        touched_lots=[*released, *others.touched_lots],
    )


async def apply_completion(tx: Delivery, event: ProductionCompleted) -> None:
    """Consume exactly the recorded lots, create the output lot and allocate it — or, if
    stock cannot honour the record, change nothing and say why."""
    conn = tx.conn
    if await material_repository.request_status(conn, event.production_order_id) == CONSUMED:
        return
    try:
        async with conn.begin_nested():
            effects = await _complete(conn, event)
    except CompletionRefused as refusal:
        rejected = ProductionRejected(
            production_order_id=event.production_order_id, reason=str(refusal)
        )
        effects = Effects(events=[rejected])
    await publish(tx, effects.events, touched_lots=effects.touched_lots)


async def _complete(conn: AsyncConnection, event: ProductionCompleted) -> Effects:
    """Load the facts, ask ``completion.complete``, write what it decided."""
    facts = await _completion_facts(conn, event)
    outcome = complete(facts)
    po = event.production_order_id
    effects = Effects(touched_lots=await material_repository.release_holds(conn, po))
    for c in outcome.consumptions:
        await lot_repository.change_on_hand(
            conn, c.lot.id, -c.quantity, kind="consumption", reference=outcome.reference
        )
        effects.touched_lots.append(c.lot.id)
    lot_id = await lot_repository.insert_entry(conn, outcome.output)
    if lot_id is None:
        raise CompletionRefused(f"lot {event.output_lot_code} already exists")
    effects.touched_lots.append(lot_id)
    await material_repository.set_request_status(conn, po, CONSUMED)
    for d in outcome.too_short:
        log.warning(
            "lot %s is too close to expiry for order %s line %s (needs %s): not allocated",
            event.output_lot_code,
            d.order_id,
            d.line_no,
            facts.shelf_life[d.order_id].needs,
        )
    for a in outcome.allocations:
        await reservation_repository.add_reservation(
            conn, order_id=a.order_id, line_no=a.line_no, lot_id=lot_id, quantity=a.quantity.value
        )
    effects.events.extend(outcome.events)
    freed = await lot_repository.items_of_lots(conn, effects.touched_lots)
    effects.add(await retry_waiting_requests(conn, sorted({event.item_code, *freed})))
    return effects


async def _completion_facts(conn: AsyncConnection, event: ProductionCompleted) -> CompletionFacts:
    item = await item_repository.get_item(conn, event.item_code)
    orders = list(dict.fromkeys(d.order_id for d in event.demands))
    cancelled = await reservation_repository.cancelled_orders(conn, orders)
    serving = [o for o in orders if o not in cancelled]
    return CompletionFacts(
        event=event,
        base_unit=None if item is None else item.base_unit,
        lots=await lot_repository.lots_by_code_for_update(
            conn, [c.lot_code for c in event.consumed]
        ),
        held=await material_repository.held_by(conn, event.production_order_id),
        cancelled=frozenset(cancelled),
        shelf_life=await shelf_life.rules_of_orders(conn, serving),
        coverage={o: await reservation_repository.order_coverage(conn, o) for o in serving},
        today=datetime.now(UTC).date(),
    )
