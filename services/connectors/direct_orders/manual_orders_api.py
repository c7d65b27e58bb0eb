"""``POST /api/manual-orders``: phone, e-mail and sales-rep orders typed in by a person."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.direct_orders import manual_orders
from shared.contracts.connectors import MAX_LINES_PER_ORDER, Customer
from shared.runtime import engine_of
from shared.units import ExactDecimal, MoneyDecimal

router = APIRouter(tags=["manual orders"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


class Source(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SALES_REP = "sales_rep"


class ManualLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(min_length=1)
    quantity: ExactDecimal
    unit: str = Field(default="pc", min_length=1)
    unit_price: MoneyDecimal | None = None
    title: str | None = None


class ManualOrderIn(BaseModel):
    """Quantities and prices are decimal strings (a float is refused)."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    customer: Customer
    lines: list[ManualLineIn] = Field(min_length=1, max_length=MAX_LINES_PER_ORDER)
    reference: str | None = None
    sales_rep: str | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    requested_on: date | None = None


class ManualOrderOut(BaseModel):
    order_id: UUID
    channel: str
    external_id: str
    created: bool


@router.post(
    "/api/manual-orders",
    response_model=ManualOrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the same key and body came before: the same order"}},
)
async def place_manual_order(
    body: ManualOrderIn,
    response: Response,
    engine: Engine,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
) -> ManualOrderOut:
    """201 new order; 200 the same key and body again; 409 the key used for another body;
    422 a line refused (unknown item or unit, bad quantity), naming it."""
    order = manual_orders.ManualOrder(
        source=body.source.value,
        customer=body.customer,
        reference=body.reference,
        sales_rep=body.sales_rep,
        currency=body.currency,
        requested_on=body.requested_on,
        lines=tuple(manual_orders.ManualLine(**line.model_dump()) for line in body.lines),
    )
    accepted = await manual_orders.place(
        engine, order, key=idempotency_key, request=body.model_dump(mode="json")
    )
    if not accepted.created:
        response.status_code = status.HTTP_200_OK
    return ManualOrderOut(
        order_id=accepted.order_id,
        channel=manual_orders.CHANNEL,
        external_id=accepted.external_id,
        created=accepted.created,
    )
