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
from typing import TYPE_CHECKING
from uuid import UUID

from services.orders.notifications.locales import SUPPORTED, number_text, short_date
from shared.units import Quantity

if TYPE_CHECKING:
    from fpdf import FPDF

# Every text the slip prints, in the customer's language (English for any other).
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Packing slip {order}",
        "heading": "Packing slip / Delivery note",
        "order": "Order {order}",
        "from": "From",
        "ship_to": "Ship to",
        "shipment": "Shipment",
        "shipped_on": "Shipped on",
        "carrier": "Carrier",
        "tracking_number": "Tracking number",
        "parcels": "Parcels",
        "item": "Item",
        "description": "Description",
        "lot": "Lot",
        "quantity": "Quantity",
    },
    "it": {
        "title": "Documento di trasporto {order}",
        "heading": "Documento di trasporto / Bolla di consegna",
        "order": "Ordine {order}",
        "from": "Mittente",
        "ship_to": "Destinatario",
        "shipment": "Spedizione",
        "shipped_on": "Data di spedizione",
        "carrier": "Corriere",
        "tracking_number": "Numero di tracciamento",
        "parcels": "Colli",
        "item": "Articolo",
        "description": "Descrizione",
        "lot": "Lotto",
        "quantity": "Quantità",
    },
}
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
    locale: str = "en"  # the customer's language (``choose_locale``): texts, date, numbers

    @property
    def language(self) -> str:
        return self.locale if self.locale in SUPPORTED else "en"

    def text(self, key: str, **parts: str) -> str:
        return TEXTS[self.language][key].format(**parts)

    def quantity(self, quantity: Quantity) -> str:
        return f"{number_text(quantity.value, self.language)} {quantity.unit}"


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
    # fpdf (with fontTools and numpy) is half a second of import: paid by the first
    # document, not by every start of the service
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(datetime.combine(slip.shipped_on, datetime.min.time(), tzinfo=UTC))
    pdf.set_title(printable(slip.text("title", order=slip.order_number)))
    pdf.set_author(printable(slip.producer.name))
    pdf.set_creator("Lotline")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, slip: PackingSlip) -> None:
    pdf.set_font(FONT, style="B", size=16)
    pdf.cell(text=printable(slip.text("heading")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.cell(
        text=printable(slip.text("order", order=slip.order_number)), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)


def _addresses(pdf: FPDF, slip: PackingSlip) -> None:
    top = bottom = pdf.get_y()
    sides = ((15, "from", slip.producer), (110, "ship_to", slip.customer))
    for x, caption, address in sides:
        pdf.set_xy(x, top)
        pdf.set_font(FONT, style="B", size=9)
        pdf.cell(w=85, text=printable(slip.text(caption)), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        for text in (address.name, *address.lines):
            pdf.multi_cell(w=85, text=printable(text), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(15, bottom)
    pdf.ln(6)


def _shipment_facts(pdf: FPDF, slip: PackingSlip) -> None:
    facts = (
        ("shipment", str(slip.shipment_id)),
        ("shipped_on", short_date(slip.shipped_on, slip.language)),
        ("carrier", slip.carrier),
        ("tracking_number", slip.tracking_number or "-"),
        ("parcels", number_text(slip.parcels, slip.language)),
    )
    for caption, value in facts:
        pdf.set_font(FONT, style="B", size=10)
        pdf.cell(w=50, text=printable(slip.text(caption)))
        pdf.set_font(FONT, size=10)
        pdf.cell(text=printable(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _lines_table(pdf: FPDF, slip: PackingSlip) -> None:
    """One row per lot; the item code and title head each line's first row."""
    from fpdf.fonts import FontFace  # see _document

    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=TABLE_WIDTHS,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=6,
    ) as table:
        table.row(
            tuple(printable(slip.text(k)) for k in ("item", "description", "lot", "quantity"))
        )
        for line in slip.lines:
            for index, lot in enumerate(line.lots):
                first = index == 0
                table.row(
                    (
                        printable(line.item_code) if first else "",
                        printable(line.title or "") if first else "",
                        printable(lot.lot_code),
                        printable(slip.quantity(lot.quantity)),
                    )
                )
