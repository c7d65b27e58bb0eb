"""HTTP request and response models of the trace API (traces are the pure dataclasses
of ``tracing``; FastAPI serialises them as they are)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.trace.tracing import Trace


class RecallIn(BaseModel):
    """Recall our lot (``lot_code``) or a supplier's lot (``supplier`` + ``supplier_lot_code``)."""

    model_config = ConfigDict(extra="forbid")

    lot_code: str | None = Field(default=None, min_length=1)
    supplier: str | None = Field(default=None, min_length=1)
    supplier_lot_code: str | None = Field(default=None, min_length=1)
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def one_origin(self) -> RecallIn:
        by_supplier = self.supplier is not None or self.supplier_lot_code is not None
        if self.lot_code is not None and by_supplier:
            raise ValueError("give either lot_code or supplier + supplier_lot_code, not both")
        if self.lot_code is None and (self.supplier is None or self.supplier_lot_code is None):
            raise ValueError("give lot_code, or both supplier and supplier_lot_code")
        return self


class WithdrawIn(BaseModel):
    """Why the recall was issued in error (kept with it, and in the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


class RecallOut(BaseModel):
    recall_id: UUID
    origin_kind: str
    origin: str
    reason: str
    created_at: datetime
    lot_codes: tuple[str, ...]
    customers: tuple[str, ...]
    trace: Trace
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None
