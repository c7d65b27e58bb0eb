"""The packing slip PDF: real PDF bytes that name every lot and quantity shipped."""

from __future__ import annotations

import re
import zlib
from datetime import date
from uuid import UUID

from services.orders.shipments.documents import (
    ENCODING,
    PackingSlip,
    SlipAddress,
    SlipLine,
    SlipLot,
    packing_slip_pdf,
    printable,
)
from shared.units import Quantity

SHIPMENT = UUID("6a1d7c2e-0000-4000-8000-000000000001")


def slip(**changes: object) -> PackingSlip:
    fields: dict[str, object] = {
        "producer": SlipAddress("Saponificio Łucca", ("Via Po 3", "10123 Torino TO", "Italia")),
        "customer": SlipAddress("Anna Rossi", ("Via Roma 12", "00184 Roma RM", "Italia")),
        "order_number": "#1001",
        "shipment_id": SHIPMENT,
        "shipped_on": date(2026, 3, 4),
        "carrier": "sendcloud (postnl)",
        "tracking_number": "3SFAKE0310000001",
        "parcels": 2,
        "lines": (
            SlipLine(
                "LAVENDER-SOAP-250G",
                "Sapone alla lavanda 250 g",
                (
                    SlipLot("L-2026-014", Quantity.of("3", "pc")),
                    SlipLot("L-2026-021", Quantity.of("1", "pc")),
                ),
            ),
            SlipLine("CHESTNUT-HONEY", None, (SlipLot("H-0917", Quantity.of("1.500", "kg")),)),
        ),
    }
    return PackingSlip(**{**fields, **changes})  # type: ignore[arg-type]


def shown_text(pdf: bytes) -> str:
    """The strings the page content draws, from every (Flate-compressed) content stream."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            unescaped = re.sub(rb"\\([\\()])", rb"\1", literal)
            shown.append(unescaped.decode(ENCODING))
    return "\n".join(shown)


def test_the_packing_slip_is_a_pdf():
    pdf = packing_slip_pdf(slip())

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_the_packing_slip_names_every_lot_and_quantity_shipped():
    text = shown_text(packing_slip_pdf(slip()))

    for expected in (
        "LAVENDER-SOAP-250G",
        "Sapone alla lavanda 250 g",
        "L-2026-014",
        "3 pc",
        "L-2026-021",
        "1 pc",
        "CHESTNUT-HONEY",
        "H-0917",
        "1.5 kg",
    ):
        assert expected in text


def test_the_packing_slip_carries_order_shipment_carrier_and_parcel_count():
    text = shown_text(packing_slip_pdf(slip()))

    assert "Order #1001" in text
    assert str(SHIPMENT) in text
    assert "2026-03-04" in text
    assert "sendcloud (postnl)" in text
    assert "3SFAKE0310000001" in text
    assert "Anna Rossi" in text
    assert "Saponificio Lucca" in text
    assert "Parcels" in text


def test_the_same_slip_renders_to_the_same_bytes():
    assert packing_slip_pdf(slip()) == packing_slip_pdf(slip())


def test_a_slip_without_tracking_number_and_a_long_order_still_renders():
    many = tuple(
        SlipLine(f"ITEM-{n}", "x" * 80, (SlipLot(f"LOT-{n}", Quantity.of(n + 1, "pc")),))
        for n in range(80)
    )

    text = shown_text(packing_slip_pdf(slip(tracking_number=None, lines=many)))

    assert "LOT-79" in text
    assert "80 pc" in text


def test_characters_outside_the_pdf_fonts_are_transliterated_not_fatal():
    assert printable("Café “Żubr” — 5 €") == "Café “Zubr” — 5 €"
    assert printable("Łódź") == "Lódz"
    assert printable("北京") == "??"


# --- the customer's language (issue 25 §5) ------------------------------------------------


def test_an_italian_customers_slip_is_in_italian_with_italian_dates_and_numbers():
    many = (SlipLine("FLOUR-00", "Farina 00", (SlipLot("F-1", Quantity.of("1234.500", "kg")),)),)
    text = shown_text(packing_slip_pdf(slip(locale="it")))
    big = shown_text(packing_slip_pdf(slip(locale="it", lines=many)))

    for expected in (
        "Documento di trasporto / Bolla di consegna",
        "Ordine #1001",
        "Mittente",
        "Destinatario",
        "Spedizione",
        "Data di spedizione",
        "Corriere",
        "Numero di tracciamento",
        "Colli",
        "Articolo",
        "Descrizione",
        "Lotto",
        "Quantità",
        "04/03/2026",
        "1,5 kg",
        "3 pc",
    ):
        assert expected in text, expected
    assert "1.234,5 kg" in big
    for english in ("Packing slip", "Order #", "Ship to", "Shipped on", "Tracking", "Parcels"):
        assert english not in text, english
    assert "2026-03-04" not in text and "1.5 kg" not in text


def test_a_customer_in_another_language_gets_the_english_slip():
    text = shown_text(packing_slip_pdf(slip(locale="de")))

    assert "Packing slip / Delivery note" in text and "Shipped on" in text
    assert "2026-03-04" in text and "1.5 kg" in text


def test_the_slip_is_written_in_the_language_the_customers_e_mails_use():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from services.orders.shipments.shipments_api import _slip

    found = {
        "id": SHIPMENT,
        "created_at": datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        "service": None,
        "carrier": "manual",
        "tracking_number": None,
        "parcels": [],
        "lots": [
            {"line_no": 1, "lot_code": "L-1", "quantity": "2", "unit": "pc", "item_code": "X"}
        ],
    }

    def customer(**fields: object) -> SimpleNamespace:
        return SimpleNamespace(customer=fields, external_number="#7", external_id="7")

    in_italy = {"shipping_address": {"name": "Anna", "country_code": "IT"}}
    assert _slip(found, customer(locale="it-IT"), {}).locale == "it"
    assert _slip(found, customer(**in_italy), {}).locale == "it"
    assert _slip(found, customer(locale="en", **in_italy), {}).locale == "en"
    assert _slip(found, customer(country_code="FR"), {}).locale == "en"
    italian = shown_text(packing_slip_pdf(_slip(found, customer(**in_italy), {})))
    assert "Documento di trasporto / Bolla di consegna" in italian and "04/03/2026" in italian
