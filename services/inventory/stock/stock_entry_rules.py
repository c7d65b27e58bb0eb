"""The one way stock enters the books: what a new lot is — its code, quantity, expiry, unit
cost, status — and the ledger movement that opens it. Pure.

Four entrances use it, each keeping its own checks of its input:

- ``SupplierReceipt`` — a goods receipt (``receipts.receive_goods``): coded
  ``<ITEM>-R<yymmdd>-<nn>``, opened by a ``receipt`` movement ``supplier:<name>:<their lot>``,
  expiring on the supplier's date or after the item's shelf life, costed from the receipt.
- ``LotIntake`` — a lot under a code the operator chose (``service.receive_lot``): opened by a
  ``receipt`` movement without reference.
- ``ProductionOutput`` — a completed production order's output (``production``): its code
  given, opened by a ``production`` movement ``production:<id>``, costed from its inputs and
  labour.
- ``QuarantineReturn`` — returned goods kept apart (``channel_changes.restock_returned``):
  coded ``<origin>-Q``, status quarantined, no opening movement.

A quarantine lot opens empty: the returned goods come in with a ``return`` movement, once per
return id, the same way goods come back to the lot they shipped from
(``repository.change_on_hand``). The one repository function persisting an entry is
``repository.insert_entry``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from services.inventory.reservations.channel_rules import quarantine_lot_code
from services.inventory.stock.costing_rules import (
    ConsumedInput,
    produced_unit_cost,
    received_unit_cost,
)
from shared.contracts.inventory import LotReceived, LotStatus
from shared.units import Money, Quantity


@dataclass(frozen=True)
class SupplierReceipt:
    """A supplier's lot, received under our own code; ``lots_that_day`` is how many lots of
    the item already carry that day's receipt prefix (``receipt_lot_prefix``)."""

    supplier: str
    supplier_lot_code: str
    received_on: date
    lots_that_day: int
    expires_on: date | None = None  # the supplier's date; else our shelf life
    cost: Money | None = None  # what the whole lot cost


@dataclass(frozen=True)
class LotIntake:
    """A lot entered by hand under a code chosen by the operator."""

    lot_code: str
    expires_on: date | None = None
    received_on: date | None = None


@dataclass(frozen=True)
class ProductionOutput:
    """The output of a production order, costed from what it consumed and its labour."""

    production_order_id: UUID
    lot_code: str
    produced_on: date | None
    expires_on: date | None
    inputs: tuple[ConsumedInput, ...] = ()
    labour: Money | None = None


@dataclass(frozen=True)
class QuarantineReturn:
    """Returned goods kept apart beside the lot they shipped from, still traceable to it."""

    origin_lot_code: str
    expires_on: date | None
    production_order_id: UUID | None


EntrySource = SupplierReceipt | LotIntake | ProductionOutput | QuarantineReturn


@dataclass(frozen=True)
class Opening:
    """The ledger movement that opens a lot, so the ledger balances from day one."""

    kind: str
    quantity: Decimal
    reference: str | None


@dataclass(frozen=True)
class StockEntry:
    """A new lot as it is to be written, with its opening movement and its announcement."""

    source: EntrySource
    lot_code: str
    item_code: str
    quantity: Quantity  # in the item's base unit; the lot's on hand when it opens
    expires_on: date | None
    received_on: date | None  # produced or received: where its shelf life starts
    status: LotStatus
    opening: Opening | None
    unit_cost: Money | None = None
    labour_cost: Money | None = None
    cost: Money | None = None  # a receipt's cost of the whole lot
    supplier: str | None = None
    supplier_lot_code: str | None = None
    production_order_id: UUID | None = None

    @property
    def quarantined(self) -> bool:
        return self.status is LotStatus.QUARANTINED

    def received(self) -> LotReceived:
        """The lot's ``lot_received``; a quarantine lot opens empty and is not announced."""
        return LotReceived(
            lot_code=self.lot_code,
            item_code=self.item_code,
            quantity=self.quantity,
            expires_on=self.expires_on,
            supplier=self.supplier,
            supplier_lot_code=self.supplier_lot_code,
            cost=self.cost,
            production_order_id=self.production_order_id,
            received_on=self.received_on,
            unit_cost=self.unit_cost,
        )


def receipt_lot_prefix(item_code: str, received_on: date) -> str:
    """Our receipt lot codes of one item and day share this prefix, numbered after it."""
    return f"{item_code}-R{received_on:%y%m%d}-"


def receipt_expiry(
    supplier_expires_on: date | None, received_on: date, shelf_life_days: int | None
) -> date | None:
    """The supplier's date when given, else our shelf life from the day of receipt."""
    if supplier_expires_on is not None:
        return supplier_expires_on
    if shelf_life_days is None:
        return None
    return received_on + timedelta(days=shelf_life_days)


def enter_stock(
    source: EntrySource,
    *,
    item_code: str,
    quantity: Quantity,
    shelf_life_days: int | None = None,
) -> StockEntry:
    """The new lot ``source`` brings in: ``quantity`` is already in the item's base unit
    (zero for a quarantine lot, which opens empty); ``shelf_life_days`` is the item's."""
    if isinstance(source, QuarantineReturn):
        if quantity.value != 0:
            raise ValueError("a quarantine lot opens empty; returns come in as movements")
        return _quarantine(source, item_code, quantity)
    if not quantity.is_positive:
        raise ValueError(f"stock enters with a positive quantity, not {quantity}")
    if isinstance(source, SupplierReceipt):
        return _receipt(source, item_code, quantity, shelf_life_days)
    if isinstance(source, LotIntake):
        return StockEntry(
            source=source,
            lot_code=source.lot_code,
            item_code=item_code,
            quantity=quantity,
            expires_on=source.expires_on,
            received_on=source.received_on,
            status=LotStatus.AVAILABLE,
            opening=Opening("receipt", quantity.value, None),
        )
    return _output(source, item_code, quantity)


def _receipt(
    source: SupplierReceipt, item_code: str, quantity: Quantity, shelf_life_days: int | None
) -> StockEntry:
    prefix = receipt_lot_prefix(item_code, source.received_on)
    return StockEntry(
        source=source,
        lot_code=f"{prefix}{source.lots_that_day + 1:02d}",
        item_code=item_code,
        quantity=quantity,
        expires_on=receipt_expiry(source.expires_on, source.received_on, shelf_life_days),
        received_on=source.received_on,
        status=LotStatus.AVAILABLE,
        opening=Opening(
            "receipt", quantity.value, f"supplier:{source.supplier}:{source.supplier_lot_code}"
        ),
        unit_cost=received_unit_cost(source.cost, quantity.value),
        cost=source.cost,
        supplier=source.supplier,
        supplier_lot_code=source.supplier_lot_code,
    )


def _output(source: ProductionOutput, item_code: str, quantity: Quantity) -> StockEntry:
    return StockEntry(
        source=source,
        lot_code=source.lot_code,
        item_code=item_code,
        quantity=quantity,
        expires_on=source.expires_on,
        received_on=source.produced_on,  # shelf life starts when it was made
        status=LotStatus.AVAILABLE,
        opening=Opening("production", quantity.value, f"production:{source.production_order_id}"),
        unit_cost=produced_unit_cost(source.inputs, labour=source.labour, output=quantity.value),
        labour_cost=source.labour,
        production_order_id=source.production_order_id,
    )


def _quarantine(source: QuarantineReturn, item_code: str, quantity: Quantity) -> StockEntry:
    return StockEntry(
        source=source,
        lot_code=quarantine_lot_code(source.origin_lot_code),
        item_code=item_code,
        quantity=quantity,
        expires_on=source.expires_on,
        received_on=None,
        status=LotStatus.QUARANTINED,
        opening=None,
        production_order_id=source.production_order_id,
    )
