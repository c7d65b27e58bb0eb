"""``POST /api/imports/orders``: a wholesale CSV (the columns are in ``wholesale_csv``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.direct_orders import wholesale_import
from shared.runtime import engine_of

router = APIRouter(tags=["imports"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


class ImportedOrderOut(BaseModel):
    reference: str
    order_id: UUID
    lines: int
    created: bool


class RowErrorOut(BaseModel):
    line: int
    reference: str | None
    reason: str


class ImportOut(BaseModel):
    channel: str
    created: int
    already_imported: int
    orders: list[ImportedOrderOut]
    errors: list[RowErrorOut]


@router.post(
    "/api/imports/orders",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_orders(request: Request, engine: Engine) -> ImportOut:
    """The raw CSV as the body (``Content-Type: text/csv``). 200 with the orders created or
    already imported and every bad row by line number; 422 when the file as a whole is
    unreadable (no header, a required column missing, not UTF-8)."""
    report = await wholesale_import.import_orders(engine, await request.body())
    return ImportOut(
        channel=wholesale_import.CHANNEL,
        created=sum(o.created for o in report.orders),
        already_imported=sum(not o.created for o in report.orders),
        orders=[ImportedOrderOut(**o.__dict__) for o in report.orders],
        errors=[RowErrorOut(**e.__dict__) for e in report.errors],
    )
