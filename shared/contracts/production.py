"""Events published by the production service."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.registry import register
from shared.units import Quantity


class Demand(BaseModel):
    """The part of a customer order line a production order is meant to cover."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: UUID
    line_no: int
    quantity: Quantity


@register
class ProductionOrderPlanned(Event):
    """Production was planned to make what finished stock could not cover."""

    TYPE = "production.production_order_planned"
    VERSION = 1
    TOPIC = topics.PRODUCTION

    production_order_id: UUID
    item_code: str
    quantity: Quantity
    demands: tuple[Demand, ...]

    def aggregate_key(self) -> str:
        return str(self.production_order_id)
