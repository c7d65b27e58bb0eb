"""The recall list as a person or an authority receives it: CSV rows and a PDF report
with the producer, the recalled lot, the affected customers and quantities.

The PDF is written in the reader's language (English or Italian: an Italian producer sends
it to an Italian authority); the CSV's columns are names for programs and stay as they are.
Pure: the same recall always renders to the same bytes (dates come from the recall).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Final
from uuid import UUID

from services.trace.genealogy import Kind
from services.trace.tracing import Trace

if TYPE_CHECKING:
    from fpdf import FPDF

ENCODING = "windows-1252"
FONT = "Helvetica"

# The report's words in Italian (English is the key).
ITALIAN: Final[dict[str, str]] = {
    "Product recall": "Richiamo di prodotto",
    "Recall": "Richiamo",
    "Issued": "Emesso",
    "Recalled": "Richiamato",
    "Reason": "Motivo",
    "Lots affected": "Lotti coinvolti",
    "Lot": "Lotto",
    "Item": "Articolo",
    "Made / received": "Prodotto / ricevuto",
    "On hand": "Giacenza",
    "Customers affected": "Clienti coinvolti",
    "Customer": "Cliente",
    "Order": "Ordine",
    "Shipped on": "Spedito il",
    "Quantity": "Quantità",
    "(none)": "(nessuno)",
    "lot {lot}": "lotto {lot}",
    "supplier lot {lot}": "lotto del fornitore {lot}",
}

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


def word(language: str, text: str) -> str:
    return ITALIAN.get(text, text) if language == "it" else text


def origin_text(recall: Recall, language: str) -> str:
    """``lot X`` / ``supplier lot S / X`` as the recall was issued, in ``language``."""
    for kind, key in (("supplier lot ", "supplier lot {lot}"), ("lot ", "lot {lot}")):
        if recall.origin.startswith(kind):
            return word(language, key).format(lot=recall.origin.removeprefix(kind))
    return recall.origin


def day_text(day: date | datetime | None, language: str) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        return day.strftime("%d/%m/%Y %H:%M UTC" if language == "it" else "%Y-%m-%d %H:%M UTC")
    return day.strftime("%d/%m/%Y") if language == "it" else day.isoformat()


def amount_text(text: str, language: str) -> str:
    """``"1.5 kg"`` → ``"1,5 kg"`` in Italian (no thousands separator: lots are small)."""
    return text.replace(".", ",") if language == "it" else text


def report_facts(recall: Recall, language: str = "en") -> list[tuple[str, str]]:
    """The report's head: which recall, when, of what and why."""
    return [
        (word(language, "Recall"), str(recall.recall_id)),
        (word(language, "Issued"), day_text(recall.created_at, language)),
        (word(language, "Recalled"), origin_text(recall, language)),
        (word(language, "Reason"), recall.reason),
    ]


def _text(value: str) -> str:
    """Keep what Windows-1252 can print; decompose accents of the rest, else '?'."""
    try:
        value.encode(ENCODING)
        return value
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", value)
        kept = "".join(c for c in decomposed if not unicodedata.combining(c))
        return kept.encode(ENCODING, errors="replace").decode(ENCODING)


def recall_pdf(recall: Recall, producer: Producer, language: str = "en") -> bytes:
    """A4 report: producer, recall, recalled lots, affected customers, stock on hand."""
    # fpdf (with fontTools and numpy) is half a second of import: paid by the first
    # report, not by every start of the service
    from fpdf import FPDF

    said = partial(word, language)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(recall.created_at)
    pdf.set_title(_text(f"{said('Recall')} {recall.recall_id}"))
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=16)
    pdf.cell(text=_text(producer.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, text=_text(producer.address), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, style="B", size=14)
    pdf.cell(text=_text(said("Product recall")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for label, value in report_facts(recall, language):
        pdf.multi_cell(0, text=_text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        said("Lots affected"),
        tuple(map(said, ("Lot", "Item", "Made / received", "On hand"))),
        lot_rows(recall, language),
        widths=(70, 50, 35, 35),
        none=said("(none)"),
    )
    _table(
        pdf,
        said("Customers affected"),
        tuple(map(said, ("Customer", "Order", "Shipped on", "Lot", "Quantity"))),
        customer_rows(recall, language),
        widths=(55, 30, 25, 55, 25),
        none=said("(none)"),
    )
    return bytes(pdf.output())


def lot_rows(recall: Recall, language: str = "en") -> list[tuple[str, ...]]:
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
                amount_text(str(lot.quantity), language) if lot and lot.quantity else "",
                amount_text(str(on_hand), language) if on_hand else "0",
            )
        )
    return rows


def customer_rows(recall: Recall, language: str = "en") -> list[tuple[str, ...]]:
    shipped = {s.shipment_id: s.shipped_on for s in recall.trace.shipments}
    return [
        (
            row[2] or row[1],
            row[4],
            day_text(shipped.get(row[5]), language),
            row[7],
            amount_text(f"{row[9]} {row[10]}", language),
        )
        for row in csv_rows(recall)
    ]


def _table(
    pdf: FPDF,
    title: str,
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    *,
    widths: tuple[int, ...],
    none: str = "(none)",
) -> None:
    from fpdf.fonts import FontFace  # see recall_pdf

    pdf.ln(4)
    pdf.set_font(FONT, style="B", size=12)
    pdf.cell(text=_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    with pdf.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD")) as table:
        table.row([_text(h) for h in header])
        if not rows:
            table.row([_text(none)] + [""] * (len(header) - 1))
        for values in rows:
            table.row([_text(v) for v in values])
