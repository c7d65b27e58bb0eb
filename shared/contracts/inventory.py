"""Events published by the inventory service."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.registry import register
from shared.units import Quantity


class ReservedLot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    lot_code: str
    quantity: Quantity
    expires_on: date | None = None


class Shortage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    requested: Quantity
    reserved: Quantity
    missing: Quantity


@register
class StockReserved(Event):
    """Every line of the order is covered by reserved finished lots."""

    TYPE = "inventory.stock_reserved"
    VERSION = 1
    TOPIC = topics.INVENTORY

    order_id: UUID
    reservations: tuple[ReservedLot, ...]

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class StockShort(Event):
    """Stock covered part of the order (``reservations``); ``shortages`` say what is missing."""

    TYPE = "inventory.stock_short"
    VERSION = 1
    TOPIC = topics.INVENTORY

    order_id: UUID
    reservations: tuple[ReservedLot, ...]
    shortages: tuple[Shortage, ...]

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class LotReceived(Event):
    """A lot entered stock (goods receipt or finished-goods intake)."""

    TYPE = "inventory.lot_received"
    VERSION = 1
    TOPIC = topics.INVENTORY

    lot_code: str
    item_code: str
    quantity: Quantity
    expires_on: date | None = None

    def aggregate_key(self) -> str:
        return self.lot_code
