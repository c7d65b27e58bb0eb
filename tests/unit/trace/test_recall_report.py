"""The recall list as CSV and PDF (pure, deterministic)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from services.trace.recall_report import (
    Producer,
    Recall,
    amount_text,
    customer_rows,
    origin_text,
    recall_csv,
    recall_pdf,
    report_facts,
    word,
)
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


def test_the_report_reads_in_italian_for_an_italian_reader():
    """Issue 25 §5: recall reports in Italian; dates and decimals the Italian way."""
    issued = recall()

    facts = report_facts(issued, "it")
    english = report_facts(issued, "en")

    assert [label for label, _ in facts] == ["Richiamo", "Emesso", "Richiamato", "Motivo"]
    assert facts[1][1] == "25/11/2026 12:00 UTC" and english[1][1] == "2026-11-25 12:00 UTC"
    assert facts[2][1] == "lotto FLOUR-R1" and english[2][1] == "lot FLOUR-R1"
    assert origin_text(
        replace(issued, origin_kind="supplier_lot", origin="supplier lot Mulino / MR-7"), "it"
    ) == ("lotto del fornitore Mulino / MR-7")
    assert customer_rows(issued, "it") == [
        ("Anna Rossi Ł", "#1001", "20/11/2026", "BISC-P1", "6 pc")
    ]
    assert customer_rows(issued, "en")[0][2] == "2026-11-20"
    assert amount_text("1.5 kg", "it") == "1,5 kg"
    for english_word in ("Product recall", "Lots affected", "Customers affected", "(none)"):
        assert word("it", english_word) != english_word
        assert word("en", english_word) == english_word


def test_the_italian_pdf_is_its_own_and_as_stable_as_the_english():
    producer = Producer("Biscottificio Sole", "Via Roma 1, Bologna")

    italian = recall_pdf(recall(), producer, "it")

    assert italian.startswith(b"%PDF") and italian == recall_pdf(recall(), producer, "it")
    assert italian != recall_pdf(recall(), producer, "en")
