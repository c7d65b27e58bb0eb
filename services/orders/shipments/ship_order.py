"""Shipping a ready order: plan the lots, book the parcel with the carrier, then record
the shipment, its status change and its events in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.orders import domain, repository
from services.orders.carriers.port import Carrier, ParcelCreated, ParcelRequest, Recipient
from services.orders.notifications.notifier import notify
from services.orders.shipments import shipments_repository as repo
from services.orders.shipments.shipping import ShipmentPlan, ShipmentRefused, plan_shipment
from shared import outbox
from shared.contracts.orders import OrderStatus, ShipmentDelivered, ShipmentDispatched
from shared.units import Quantity

S = OrderStatus
SHIPPABLE = frozenset({S.READY_TO_SHIP, S.PARTIALLY_SHIPPED})


class ShipmentNotFound(LookupError):
    pass


class NotReadyToShip(ValueError):
    """409: the order's status does not allow shipping (names it)."""


@dataclass(frozen=True)
class NewShipment:
    carrier: str
    service: str | None
    lines: dict[int, Decimal] | None
    parcels: tuple[Quantity, ...]
    tracking_number: str | None = None
    tracking_url: str | None = None


async def _plan(
    conn: AsyncConnection, order_id: UUID, wanted: dict[int, Decimal] | None, *, lock: bool
) -> tuple[Any, ShipmentPlan]:
    head = await repository.order_head(conn, order_id, lock=lock)
    if head is None:
        raise ShipmentNotFound(f"no order {order_id}")
    if OrderStatus(head.status) not in SHIPPABLE:
        raise NotReadyToShip(f"order {order_id} is {head.status}, not ready to ship")
    plan = plan_shipment(
        await repo.lines_to_ship(conn, order_id),
        await repo.reserved_lots(conn, order_id),
        await repo.shipped_so_far(conn, order_id),
        wanted,
    )
    return head, plan


def parcel_request(shipment_id: UUID, head: Any, new: NewShipment) -> ParcelRequest:
    customer = head.customer or {}
    address = customer.get("shipping_address") or {}
    lines = tuple(x for x in (address.get("address1"), address.get("address2")) if x)
    return ParcelRequest(
        shipment_id=shipment_id,
        order_number=head.external_number or head.external_id,
        recipient=Recipient(
            name=address.get("name") or customer.get("name") or "",
            address_lines=lines,
            city=address.get("city") or "",
            postal_code=address.get("postal_code") or "",
            country_code=address.get("country_code") or customer.get("country_code") or "",
            company_name=address.get("company"),
            province=address.get("province"),
            email=customer.get("email"),
            phone=address.get("phone"),
        ),
        parcels=new.parcels,
        service=new.service,
        tracking_number=new.tracking_number,
        tracking_url=new.tracking_url,
    )


def display_carrier(parcel: ParcelCreated, new: NewShipment) -> str:
    """The name a customer recognises: the transport company, not the aggregator."""
    if parcel.carried_by:
        return parcel.carried_by.upper()
    return new.service or parcel.carrier


async def create_shipment(
    engine: AsyncEngine, carrier: Carrier, order_id: UUID, new: NewShipment
) -> UUID:
    """The carrier is called outside the transaction (it is slow and may fail); the
    shipment is recorded only if the order still allows exactly this plan afterwards."""
    async with engine.connect() as conn:
        head, plan = await _plan(conn, order_id, new.lines, lock=False)
    shipment_id = uuid4()
    parcel: ParcelCreated = await carrier.create_parcel(parcel_request(shipment_id, head, new))
    label = parcel.label_pdf or await carrier.label(parcel)
    async with engine.begin() as conn:
        head, again = await _plan(conn, order_id, new.lines, lock=True)
        if again.lots != plan.lots:
            raise ShipmentRefused("the order changed while the parcel was booked; try again")
        await repo.insert_shipment(
            conn,
            shipment_id=shipment_id,
            order_id=order_id,
            carrier=parcel.carrier,
            service=new.service,
            carrier_reference=parcel.carrier_reference,
            tracking_number=parcel.tracking_number,
            tracking_url=parcel.tracking_url,
            label_pdf=label,
            lots=plan.lots,
            parcel_weights=[(w.value, w.unit) for w in new.parcels],
        )
        current = OrderStatus(head.status)
        target = S.SHIPPED if plan.completes_order else S.PARTIALLY_SHIPPED
        events: list[Any] = [
            ShipmentDispatched(
                order_id=order_id,
                shipment_id=shipment_id,
                channel=head.channel,
                shop=head.shop,
                external_id=head.external_id,
                carrier=parcel.carrier,
                carrier_company=display_carrier(parcel, new),
                service=new.service,
                tracking_number=parcel.tracking_number,
                tracking_url=parcel.tracking_url,
                parcels=max(len(new.parcels), 1),
                lots=plan.lots,
                completes_order=plan.completes_order,
            )
        ]
        if target is not current:
            change = domain.transition(order_id, current, target)
            await repository.record_status(conn, change)
            events.append(change)
        await notify(
            conn,
            head,
            kind="shipment_dispatched",
            reference=str(shipment_id),
            context={
                "carrier": display_carrier(parcel, new),
                "tracking_number": parcel.tracking_number,
                "tracking_url": parcel.tracking_url,
                "partial": not plan.completes_order,
            },
        )
        await outbox.add(conn, events)
    return shipment_id


async def mark_delivered(engine: AsyncEngine, shipment_id: UUID) -> None:
    """Delivered by the carrier's word or a person's; the order is delivered when every
    shipment is and nothing is left to ship. Idempotent."""
    async with engine.begin() as conn:
        row = await repo.shipment(conn, shipment_id, lock=True)
        if row is None:
            raise ShipmentNotFound(f"no shipment {shipment_id}")
        if not await repo.mark_delivered(conn, shipment_id):
            return
        head = await repository.order_head(conn, row.order_id, lock=True)
        events: list[Any] = [ShipmentDelivered(order_id=row.order_id, shipment_id=shipment_id)]
        if (
            OrderStatus(head.status) is S.SHIPPED
            and await repo.undelivered_count(conn, row.order_id) == 0
        ):
            change = domain.transition(row.order_id, S.SHIPPED, S.DELIVERED)
            await repository.record_status(conn, change)
            events.append(change)
            await notify(conn, head, kind="order_delivered", reference="", context={})
        await outbox.add(conn, events)
