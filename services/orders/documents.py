"""Shipment documents: the packing slip (delivery note) that travels in the parcel and says
which lots went to this customer, for traceability.

Pure: the same slip always renders to the same bytes (the PDF's dates come from the slip,
not the clock). The standard PDF fonts cover Windows-1252 (Western European languages,
``€``, typographic quotes); any other character is transliterated or replaced, so an
unexpected name never stops a shipment.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from fpdf import FPDF
from fpdf.fonts import FontFace

from shared.units import Quantity

ENCODING = "windows-1252"
FONT = "Helvetica"
TABLE_WIDTHS = (50, 65, 40, 25)  # shares of the width: item, description, lot, quantity
# Spaces and dashes outside the encoding, and letters that do not decompose to a base letter.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2009": " ",
        "\u202f": " ",
        "\u2011": "-",
        "\u2212": "-",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "ı": "i",
        "Ħ": "H",
        "ħ": "h",
    }
)


@dataclass(frozen=True)
class SlipAddress:
    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlipLot:
    lot_code: str
    quantity: Quantity


@dataclass(frozen=True)
class SlipLine:
    item_code: str
    title: str | None
    lots: tuple[SlipLot, ...]


@dataclass(frozen=True)
class PackingSlip:
    """Everything printed on one shipment's packing slip."""

    producer: SlipAddress
    customer: SlipAddress
    order_number: str
    shipment_id: UUID
    shipped_on: date
    carrier: str
    tracking_number: str | None
    parcels: int
    lines: tuple[SlipLine, ...]


def packing_slip_pdf(slip: PackingSlip) -> bytes:
    """The packing slip as a one-or-more page A4 PDF."""
    pdf = _document(slip)
    _heading(pdf, slip)
    _addresses(pdf, slip)
    _shipment_facts(pdf, slip)
    _lines_table(pdf, slip)
    return bytes(pdf.output())


def printable(text: str) -> str:
    """``text`` in the PDF core fonts' encoding: accents kept where the encoding has them,
    else stripped (``ł`` → ``l``), else ``?``."""
    text = text.translate(_TYPOGRAPHY)
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)
            kept = "".join(c for c in base if not unicodedata.combining(c))
            out.append(kept if kept and _encodable(kept) else "?")
    return "".join(out)


def _encodable(text: str) -> bool:
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _document(slip: PackingSlip) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(datetime.combine(slip.shipped_on, datetime.min.time(), tzinfo=UTC))
    pdf.set_title(printable(f"Packing slip {slip.order_number}"))
    pdf.set_author(printable(slip.producer.name))
    pdf.set_creator("Lotline")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, slip: PackingSlip) -> None:
    pdf.set_font(FONT, style="B", size=16)
    pdf.cell(text="Packing slip / Delivery note", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(text=printable(f"Order {slip.order_number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _addresses(pdf: FPDF, slip: PackingSlip) -> None:
    top = bottom = pdf.get_y()
    for x, caption, address in ((15, "From", slip.producer), (110, "Ship to", slip.customer)):
        pdf.set_xy(x, top)
        pdf.set_font(FONT, style="B", size=9)
        pdf.cell(w=85, text=caption, new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        for text in (address.name, *address.lines):
            pdf.multi_cell(w=85, text=printable(text), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(15, bottom)
    pdf.ln(6)


def _shipment_facts(pdf: FPDF, slip: PackingSlip) -> None:
    facts = (
        ("Shipment", str(slip.shipment_id)),
        ("Shipped on", slip.shipped_on.isoformat()),
        ("Carrier", slip.carrier),
        ("Tracking number", slip.tracking_number or "-"),
        ("Parcels", str(slip.parcels)),
    )
    for caption, value in facts:
        pdf.set_font(FONT, style="B", size=10)
        pdf.cell(w=40, text=caption)
        pdf.set_font(FONT, size=10)
        pdf.cell(text=printable(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _lines_table(pdf: FPDF, slip: PackingSlip) -> None:
    """One row per lot; the item code and title head each line's first row."""
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=TABLE_WIDTHS,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=6,
    ) as table:
        table.row(("Item", "Description", "Lot", "Quantity"))
        for line in slip.lines:
            for index, lot in enumerate(line.lots):
                first = index == 0
                table.row(
                    (
                        printable(line.item_code) if first else "",
                        printable(line.title or "") if first else "",
                        printable(lot.lot_code),
                        printable(str(lot.quantity)),
                    )
                )
