"""Stock leaves on dispatch: the order's reserved lots are deducted with a shipment
movement naming the shipment, so every lot can be traced to the parcel it left in."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory.publishing import publish
from services.inventory.reservations import reservation_repository
from services.inventory.stock import lot_repository
from shared.consuming import Delivery
from shared.contracts.base import PoisonMessage
from shared.contracts.inventory import ReservedLot, StockShipped
from shared.contracts.orders import ShipmentDispatched, ShippedLot
from shared.units import UnitError, convert

CONSUMER = "inventory"


class OverShipment(PoisonMessage):
    """A shipment asks for more of a lot than the order line has reserved on it."""


class RecalledShipment(PoisonMessage):
    """A shipment names a lot blocked by a recall or held in quarantine: nothing is
    deducted."""


async def _deduct(conn: AsyncConnection, event: ShipmentDispatched) -> list[int]:
    """Take each shipped quantity out of the order line's reservation on that lot."""
    lots = await lot_repository.lots_by_code_for_update(conn, [x.lot_code for x in event.lots])
    touched = []
    for shipped in event.lots:
        lot = lots.get(shipped.lot_code)
        if lot is None:
            raise OverShipment(f"shipment {event.shipment_id}: unknown lot {shipped.lot_code}")
        if lot.blocked:
            raise RecalledShipment(
                f"shipment {event.shipment_id}: lot {shipped.lot_code} is blocked by a recall"
            )
        if lot.quarantined:
            raise RecalledShipment(
                f"shipment {event.shipment_id}: lot {shipped.lot_code} is in quarantine"
            )
        try:
            quantity = convert(shipped.quantity, lot.unit).value
        except UnitError as error:
            raise OverShipment(f"shipment {event.shipment_id}: {error}") from error
        taken = await reservation_repository.take_from_reservation(
            conn, order_id=event.order_id, line_no=shipped.line_no, lot_id=lot.id, quantity=quantity
        )
        if not taken:
            raise OverShipment(
                f"shipment {event.shipment_id} takes {quantity} of lot {shipped.lot_code} for "
                f"line {shipped.line_no}, more than is reserved for it"
            )
        await lot_repository.change_reserved(conn, lot.id, -quantity)
        await lot_repository.change_on_hand(
            conn, lot.id, -quantity, kind="shipment", reference=f"shipment:{event.shipment_id}"
        )
        touched.append(lot.id)
    return touched


def _shipped(lots: Sequence[ShippedLot]) -> tuple[ReservedLot, ...]:
    return tuple(
        ReservedLot(
            line_no=x.line_no, item_code=x.item_code, lot_code=x.lot_code, quantity=x.quantity
        )
        for x in lots
    )


async def dispatch(tx: Delivery, event: ShipmentDispatched) -> None:
    """Deduct once per shipment; a shipment beyond the reservation is refused whole
    (it goes to the dead-letter topic with the reason) and changes nothing."""
    conn = tx.conn
    if not await reservation_repository.claim_shipment(conn, event.shipment_id):
        return
    touched = await _deduct(conn, event)
    shipped = StockShipped(
        order_id=event.order_id, shipment_id=event.shipment_id, lots=_shipped(event.lots)
    )
    await publish(tx, [shipped], touched_lots=touched)
