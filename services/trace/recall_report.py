"""The recall list as a person or an authority receives it: CSV rows and a PDF report
with the producer, the recalled lot, the affected customers and quantities.

Pure: the same recall always renders to the same bytes (dates come from the recall).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fpdf import FPDF
from fpdf.fonts import FontFace

from services.trace.genealogy import Kind
from services.trace.tracing import Trace

ENCODING = "windows-1252"
FONT = "Helvetica"

CSV_HEADER = (
    "recall_id",
    "customer",
    "customer_name",
    "order_id",
    "order_number",
    "shipment_id",
    "shipped_on",
    "lot_code",
    "item_code",
    "quantity",
    "unit",
)


@dataclass(frozen=True)
class Recall:
    """A recall as issued: what started it, why, and the forward trace at that moment."""

    recall_id: UUID
    origin_kind: str
    origin: str
    reason: str
    created_at: datetime
    trace: Trace
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None

    @property
    def lot_codes(self) -> tuple[str, ...]:
        """The recalled lot itself (when a lot started it) and every lot made from it."""
        kind, _, code = self.trace.start.partition(":")
        own = (code,) if kind == Kind.LOT.value else ()
        return tuple(sorted({*own, *(lot.lot_code for lot in self.trace.lots)}))


@dataclass(frozen=True)
class Producer:
    name: str
    address: str


def csv_rows(recall: Recall) -> list[tuple[str, ...]]:
    """One row per lot per shipment that reached a customer."""
    names = {c.customer: c.name or "" for c in recall.trace.customers}
    rows: list[tuple[str, ...]] = []
    for shipment in recall.trace.shipments:
        for lot in shipment.lots:
            rows.append(
                (
                    str(recall.recall_id),
                    shipment.customer or "",
                    names.get(shipment.customer or "", ""),
                    shipment.order_id or "",
                    shipment.order_number or "",
                    shipment.shipment_id,
                    shipment.shipped_on.isoformat() if shipment.shipped_on else "",
                    lot.lot_code,
                    lot.item_code or "",
                    format(lot.quantity.value.normalize(), "f") if lot.quantity else "",
                    lot.quantity.unit if lot.quantity else "",
                )
            )
    return rows


def recall_csv(recall: Recall) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(recall))
    return out.getvalue()


def _text(value: str) -> str:
    """Keep what Windows-1252 can print; decompose accents of the rest, else '?'."""
    try:
        value.encode(ENCODING)
        return value
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", value)
        kept = "".join(c for c in decomposed if not unicodedata.combining(c))
        return kept.encode(ENCODING, errors="replace").decode(ENCODING)


def recall_pdf(recall: Recall, producer: Producer) -> bytes:
    """A4 report: producer, recall, recalled lots, affected customers, stock on hand."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(recall.created_at)
    pdf.set_title(_text(f"Recall {recall.recall_id}"))
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=16)
    pdf.cell(text=_text(producer.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, text=_text(producer.address), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, style="B", size=14)
    pdf.cell(text="Product recall", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for label, value in (
        ("Recall", str(recall.recall_id)),
        ("Issued", recall.created_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Recalled", recall.origin),
        ("Reason", recall.reason),
    ):
        pdf.multi_cell(0, text=_text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        "Lots affected",
        ("Lot", "Item", "Made / received", "On hand"),
        _lot_rows(recall),
        widths=(70, 50, 35, 35),
    )
    _table(
        pdf,
        "Customers affected",
        ("Customer", "Order", "Shipped on", "Lot", "Quantity"),
        _customer_rows(recall),
        widths=(55, 30, 25, 55, 25),
    )
    return bytes(pdf.output())


def _lot_rows(recall: Recall) -> list[tuple[str, ...]]:
    codes = set(recall.lot_codes)
    lots = {lot.lot_code: lot for lot in recall.trace.lots}
    stock = {s.lot_code: s for s in recall.trace.in_stock}
    rows: list[tuple[str, ...]] = []
    for code in sorted(codes):
        lot = lots.get(code)
        on_hand = stock[code].quantity if code in stock else None
        rows.append(
            (
                code,
                (lot.item_code if lot else stock[code].item_code if code in stock else "") or "",
                str(lot.quantity) if lot and lot.quantity else "",
                str(on_hand) if on_hand else "0",
            )
        )
    return rows


def _customer_rows(recall: Recall) -> list[tuple[str, ...]]:
    return [
        (row[2] or row[1], row[4], row[6], row[7], f"{row[9]} {row[10]}")
        for row in csv_rows(recall)
    ]


def _table(
    pdf: FPDF,
    title: str,
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    *,
    widths: tuple[int, ...],
) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, style="B", size=12)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    with pdf.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD")) as table:
        table.row([_text(h) for h in header])
        if not rows:
            table.row(["(none)"] + [""] * (len(header) - 1))
        for values in rows:
            table.row([_text(v) for v in values])
