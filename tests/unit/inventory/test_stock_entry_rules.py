"""The one way stock enters the books, one entry kind at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from services.inventory.stock.costing_rules import ConsumedInput
from services.inventory.stock.stock_entry_rules import (
    LotIntake,
    Opening,
    ProductionOutput,
    QuarantineReturn,
    SupplierReceipt,
    enter_stock,
    receipt_expiry,
    receipt_lot_prefix,
)
from shared.contracts.inventory import LotStatus
from shared.units import Money, Quantity

PO = UUID("00000000-0000-0000-0000-0000000000a1")
EUR = "EUR"


def test_a_supplier_receipt_is_numbered_after_the_days_lots_and_costed_per_base_unit() -> None:
    receipt = SupplierReceipt(
        supplier="Mill & Co",
        supplier_lot_code="M-778",
        received_on=date(2026, 3, 4),
        lots_that_day=2,
        cost=Money.of("8.00", EUR),
    )

    entry = enter_stock(
        receipt, item_code="FLOUR", quantity=Quantity.of(5, "kg"), shelf_life_days=180
    )

    assert entry.lot_code == "FLOUR-R260304-03"
    assert entry.expires_on == date(2026, 8, 31)  # 4 March + 180 days
    assert entry.unit_cost == Money.of("1.600000", EUR)
    assert entry.status is LotStatus.AVAILABLE
    assert entry.opening == Opening("receipt", Decimal(5), "supplier:Mill & Co:M-778")
    event = entry.received()
    assert (event.supplier, event.supplier_lot_code, event.cost) == (
        "Mill & Co",
        "M-778",
        Money.of("8.00", EUR),
    )
    assert event.received_on == date(2026, 3, 4)
    assert event.production_order_id is None


def test_a_supplier_date_wins_over_our_shelf_life() -> None:
    assert receipt_expiry(date(2026, 5, 1), date(2026, 3, 4), 180) == date(2026, 5, 1)
    assert receipt_expiry(None, date(2026, 3, 4), None) is None
    assert receipt_lot_prefix("OIL_50%", date(2026, 12, 31)) == "OIL_50%-R261231-"


def test_a_receipt_without_cost_has_no_unit_cost() -> None:
    receipt = SupplierReceipt("Mill & Co", "M-1", date(2026, 3, 4), lots_that_day=0)

    entry = enter_stock(receipt, item_code="FLOUR", quantity=Quantity.of(5, "kg"))

    assert entry.lot_code == "FLOUR-R260304-01"
    assert entry.unit_cost is None and entry.cost is None


def test_a_lot_intake_keeps_the_operators_code_and_dates() -> None:
    intake = LotIntake("LAV-2026-11-A", expires_on=date(2027, 11, 1), received_on=date(2026, 11, 2))

    entry = enter_stock(intake, item_code="LAVENDER-SOAP-250G", quantity=Quantity.of(40, "pc"))

    assert (entry.lot_code, entry.expires_on, entry.received_on) == (
        "LAV-2026-11-A",
        date(2027, 11, 1),
        date(2026, 11, 2),
    )
    assert entry.opening == Opening("receipt", Decimal(40), None)
    assert entry.unit_cost is None
    assert entry.received().quantity == Quantity.of(40, "pc")


def test_production_output_is_costed_from_its_inputs_and_labour_over_the_actual_output() -> None:
    # 10 kg dough at 2.54 EUR/kg + 40 min × 0.25 EUR = 25.40 + 10.00 = 35.40 EUR for 112 pc
    output = ProductionOutput(
        production_order_id=PO,
        lot_code="BISCUIT-P260304-000000",
        produced_on=date(2026, 3, 4),
        expires_on=date(2026, 6, 4),
        inputs=(ConsumedInput("DOUGH-1", Decimal(10), Money.of("2.54", EUR)),),
        labour=Money.of("10.00", EUR),
    )

    entry = enter_stock(output, item_code="BISCUIT", quantity=Quantity.of(112, "pc"))

    assert entry.unit_cost == Money.of("0.316071", EUR)
    assert entry.labour_cost == Money.of("10.00", EUR)
    assert entry.received_on == date(2026, 3, 4)  # shelf life starts when it was made
    assert entry.opening == Opening("production", Decimal(112), f"production:{PO}")
    assert entry.received().production_order_id == PO
    assert entry.received().unit_cost == Money.of("0.316071", EUR)


def test_output_made_from_an_uncosted_input_has_no_unit_cost() -> None:
    output = ProductionOutput(
        PO, "BISCUIT-P1", None, None, inputs=(ConsumedInput("DOUGH-1", Decimal(10), None),)
    )

    entry = enter_stock(output, item_code="BISCUIT", quantity=Quantity.of(112, "pc"))

    assert entry.unit_cost is None


def test_a_quarantine_lot_opens_empty_beside_its_origin() -> None:
    back = QuarantineReturn("LAV-2026-11-A", expires_on=date(2027, 11, 1), production_order_id=PO)

    entry = enter_stock(back, item_code="LAVENDER-SOAP-250G", quantity=Quantity.zero("pc"))

    assert entry.lot_code == "LAV-2026-11-A-Q"
    assert entry.status is LotStatus.QUARANTINED and entry.quarantined
    assert entry.opening is None
    assert entry.quantity == Quantity.zero("pc")
    assert (entry.expires_on, entry.production_order_id) == (date(2027, 11, 1), PO)
    assert entry.received_on is None and entry.unit_cost is None


def test_a_quarantine_lot_never_opens_with_goods() -> None:
    back = QuarantineReturn("LAV-1", expires_on=None, production_order_id=None)

    with pytest.raises(ValueError, match="opens empty"):
        enter_stock(back, item_code="LAV", quantity=Quantity.of(1, "pc"))


@pytest.mark.parametrize("value", [0, -1])
def test_stock_never_enters_with_nothing(value: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        enter_stock(LotIntake("L-1"), item_code="LAV", quantity=Quantity.of(value, "pc"))
