"""The recall list as CSV and PDF (pure, deterministic)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from services.trace.recall_report import Producer, Recall, recall_csv, recall_pdf
from services.trace.tracing import (
    Amount,
    Direction,
    LotUse,
    Trace,
    TracedCustomer,
    TracedLot,
    TracedShipment,
)


def recall() -> Recall:
    biscuits = LotUse("BISC-P1", "BISC", Amount(Decimal(6), "pc"))
    shipment = TracedShipment(
        "s-1", date(2026, 11, 20), "o-1", "#1001", "anna@example.org", (biscuits,)
    )
    return Recall(
        recall_id=uuid.UUID(int=6),
        origin_kind="lot",
        origin="lot FLOUR-R1",
        reason="Aflatoxin above the limit",
        created_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
        trace=Trace(
            direction=Direction.FORWARD,
            start="lot:FLOUR-R1",
            lots=(
                TracedLot(
                    "BISC-P1",
                    "BISC",
                    2,
                    Amount(Decimal(20), "pc"),
                    date(2026, 11, 19),
                    Amount(Decimal(14), "pc"),
                    ("po-1",),
                    (),
                ),
            ),
            shipments=(shipment,),
            customers=(
                TracedCustomer("anna@example.org", "Anna Rossi Ł", None, ("o-1",), (biscuits,)),
            ),
            in_stock=(LotUse("BISC-P1", "BISC", Amount(Decimal(14), "pc")),),
        ),
    )


def test_the_csv_has_one_row_per_lot_that_reached_a_customer():
    rows = list(csv.DictReader(io.StringIO(recall_csv(recall()))))

    assert [(r["customer"], r["order_number"], r["lot_code"], r["quantity"]) for r in rows] == [
        ("anna@example.org", "#1001", "BISC-P1", "6")
    ]


def test_the_recalled_lot_and_everything_made_from_it_are_blocked():
    assert recall().lot_codes == ("BISC-P1", "FLOUR-R1")


def test_the_pdf_renders_the_same_bytes_every_time_even_with_unusual_letters():
    producer = Producer("Biscottificio Sole", "Via Roma 1, Bologna")

    first, again = recall_pdf(recall(), producer), recall_pdf(recall(), producer)

    assert first.startswith(b"%PDF") and first == again
