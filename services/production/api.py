"""Production HTTP API: production orders and the customer orders they serve."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import service
from services.production.schemas import ProductionOrderOut
from shared.runtime import engine_of

router = APIRouter(prefix="/api", tags=["production"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


@router.get("/production-orders", response_model=list[ProductionOrderOut])
async def list_production_orders(
    engine: Engine, order_id: UUID | None = None
) -> list[ProductionOrderOut]:
    async with engine.connect() as conn:
        rows = await service.list_production_orders(conn, order_id=order_id)
    return [ProductionOrderOut.model_validate(r) for r in rows]


@router.get("/production-orders/{production_order_id}", response_model=ProductionOrderOut)
async def get_production_order(production_order_id: UUID, engine: Engine) -> ProductionOrderOut:
    async with engine.connect() as conn:
        rows = await service.list_production_orders(conn, order_id=None)
    for row in rows:
        if row["id"] == production_order_id:
            return ProductionOrderOut.model_validate(row)
    raise HTTPException(status_code=404, detail=f"no production order {production_order_id}")
