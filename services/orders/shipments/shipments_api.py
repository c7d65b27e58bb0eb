"""HTTP API of shipments: ship a ready order, documents, delivery, the carrier's webhook."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import repository
from services.orders.carriers import carrier_for, sendcloud_webhook_key
from services.orders.carriers.sendcloud_webhooks import (
    WebhookInvalid,
    parse_tracking_webhook,
    verify_webhook,
)
from services.orders.notifications.customer import customer_country
from services.orders.notifications.locales import choose_locale
from services.orders.shipments import ship_order as shipments
from services.orders.shipments import shipments_repository as repo
from services.orders.shipments.documents import (
    PackingSlip,
    SlipAddress,
    SlipLine,
    SlipLot,
    packing_slip_pdf,
)
from services.orders.shipments.shipping import ShipmentRefused
from shared.runtime import engine_of
from shared.settings import get_settings
from shared.units import ExactDecimal, Quantity

router = APIRouter(tags=["shipments"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


class ShipLine(BaseModel):
    line_no: int
    quantity: ExactDecimal = Field(gt=0)


class Parcel(BaseModel):
    weight: ExactDecimal = Field(gt=0)
    unit: str = "kg"


class ShipmentIn(BaseModel):
    """Ship the whole remaining order (no ``lines``) or some lines and quantities."""

    carrier: str = "manual"
    service: str | None = None
    lines: list[ShipLine] | None = None
    parcels: list[Parcel] = Field(default_factory=lambda: [Parcel(weight=Decimal(1))])
    tracking_number: str | None = None
    tracking_url: str | None = None


class ShipmentLotOut(BaseModel):
    line_no: int
    lot_code: str
    item_code: str
    quantity: ExactDecimal
    unit: str


class ParcelOut(BaseModel):
    parcel_no: int
    weight: ExactDecimal
    weight_unit: str


class ShipmentOut(BaseModel):
    id: UUID
    order_id: UUID
    carrier: str
    service: str | None
    carrier_reference: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    created_at: datetime
    delivered_at: datetime | None
    lots: list[ShipmentLotOut]
    parcels: list[ParcelOut]


async def _shipment_out(engine: AsyncEngine, shipment_id: UUID) -> ShipmentOut:
    async with engine.connect() as conn:
        found = await repo.shipment_details(conn, shipment_id)
    if found is None:
        raise shipments.ShipmentNotFound(f"no shipment {shipment_id}")
    return ShipmentOut.model_validate(found)


@router.post(
    "/api/orders/{order_id}/shipments",
    status_code=status.HTTP_201_CREATED,
    response_model=ShipmentOut,
)
async def ship(order_id: UUID, body: ShipmentIn, engine: Engine) -> ShipmentOut:
    """409 when the order is not ready; 422 for more than allocated or an unknown carrier."""
    if body.lines and len({x.line_no for x in body.lines}) != len(body.lines):
        raise ShipmentRefused("each line may be named once in a shipment")
    carrier = carrier_for(body.carrier, get_settings().carriers)
    new = shipments.NewShipment(
        carrier=body.carrier,
        service=body.service,
        lines={x.line_no: x.quantity for x in body.lines} if body.lines else None,
        parcels=tuple(Quantity.of(p.weight, p.unit) for p in body.parcels),
        tracking_number=body.tracking_number,
        tracking_url=body.tracking_url,
    )
    shipment_id = await shipments.create_shipment(engine, carrier, order_id, new)
    return await _shipment_out(engine, shipment_id)


@router.get("/api/orders/{order_id}/shipments", response_model=list[ShipmentOut])
async def shipments_of_order(order_id: UUID, engine: Engine) -> list[ShipmentOut]:
    async with engine.connect() as conn:
        if await repository.order_head(conn, order_id) is None:
            raise shipments.ShipmentNotFound(f"no order {order_id}")
        rows = await repo.shipments_of(conn, order_id)
    return [ShipmentOut.model_validate(r) for r in rows]


@router.get("/api/shipments/{shipment_id}", response_model=ShipmentOut)
async def get_shipment(shipment_id: UUID, engine: Engine) -> ShipmentOut:
    return await _shipment_out(engine, shipment_id)


@router.post("/api/shipments/{shipment_id}/delivered", response_model=ShipmentOut)
async def delivered(shipment_id: UUID, engine: Engine) -> ShipmentOut:
    """Set by hand when the carrier does not report delivery (idempotent)."""
    await shipments.mark_delivered(engine, shipment_id)
    return await _shipment_out(engine, shipment_id)


@router.get("/api/shipments/{shipment_id}/label.pdf")
async def label(shipment_id: UUID, engine: Engine) -> Response:
    async with engine.connect() as conn:
        row = await repo.shipment(conn, shipment_id)
    if row is None:
        raise shipments.ShipmentNotFound(f"no shipment {shipment_id}")
    if not row.label_pdf:
        return JSONResponse({"detail": "this carrier made no label"}, status_code=404)
    return Response(row.label_pdf, media_type="application/pdf")


@router.get("/api/shipments/{shipment_id}/packing-slip.pdf")
async def packing_slip(shipment_id: UUID, engine: Engine) -> Response:
    """The delivery note: order, lines, lot codes, quantities, parcel count."""
    async with engine.connect() as conn:
        found = await repo.shipment_details(conn, shipment_id)
        if found is None:
            raise shipments.ShipmentNotFound(f"no shipment {shipment_id}")
        head = await repository.order_head(conn, found["order_id"])
        titles = await repo.line_titles(conn, found["order_id"])
    pdf = packing_slip_pdf(_slip(found, head, titles))
    return Response(pdf, media_type="application/pdf")


def _slip(found: dict[str, Any], head: Any, titles: dict[int, str | None]) -> PackingSlip:
    producer = get_settings().producer
    customer = head.customer or {}
    address = customer.get("shipping_address") or {}
    town = " ".join(str(x) for x in (address.get("postal_code"), address.get("city")) if x)
    lines: dict[int, list[SlipLot]] = {}
    items: dict[int, str] = {}
    for lot in found["lots"]:
        lines.setdefault(lot["line_no"], []).append(
            SlipLot(lot["lot_code"], Quantity.of(lot["quantity"], lot["unit"]))
        )
        items[lot["line_no"]] = lot["item_code"]
    return PackingSlip(
        producer=SlipAddress(producer.name, tuple(producer.address.split(", "))),
        customer=SlipAddress(
            address.get("name") or customer.get("name") or "",
            tuple(
                str(x)
                for x in (
                    address.get("address1"),
                    address.get("address2"),
                    town,
                    address.get("country_code"),
                )
                if x
            ),
        ),
        order_number=head.external_number or head.external_id,
        shipment_id=found["id"],
        shipped_on=found["created_at"].astimezone(UTC).date(),
        carrier=found["service"] or found["carrier"],
        tracking_number=found["tracking_number"],
        parcels=max(len(found["parcels"]), 1),
        lines=tuple(
            SlipLine(items[no], titles.get(no), tuple(lots)) for no, lots in sorted(lines.items())
        ),
        # the customer's language, as their e-mails: their own, else Italian for Italy
        locale=choose_locale(customer.get("locale"), customer_country(customer)),
    )


@router.post("/webhooks/sendcloud")
async def sendcloud_webhook(request: Request, engine: Engine) -> JSONResponse:
    """Sendcloud's parcel_status_changed: signed with the secret key; delivered → delivered."""
    body = await request.body()
    key = sendcloud_webhook_key(get_settings().carriers)
    signature = request.headers.get("sendcloud-signature", "")
    if key is None or not verify_webhook(body, signature, key):
        return JSONResponse({"detail": "invalid webhook signature"}, status_code=401)
    try:
        update = parse_tracking_webhook(body)
    except WebhookInvalid as error:
        return JSONResponse({"detail": str(error)}, status_code=400)
    if update is None or not update.delivered:
        return JSONResponse({"status": "ignored"})
    async with engine.connect() as conn:
        row = await repo.shipment_by_carrier_reference(conn, "sendcloud", update.carrier_reference)
    if row is None:
        return JSONResponse({"status": "unknown parcel"})
    await shipments.mark_delivered(engine, row.id)
    return JSONResponse({"status": "delivered"})
