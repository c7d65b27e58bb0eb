"""HTTP response models of the production API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.production.domain import ProductionStatus
from shared.units import ExactDecimal


class DemandOut(BaseModel):
    order_id: UUID
    line_no: int
    quantity: ExactDecimal
    unit: str


class ProductionOrderOut(BaseModel):
    id: UUID
    item_code: str
    quantity: ExactDecimal
    unit: str
    status: ProductionStatus
    created_at: datetime
    demands: list[DemandOut]
