"""The order timeline as sentences in the reader's language, with links instead of ids."""

from __future__ import annotations

import uuid
from typing import Any

from services.gateway.dashboard.timeline_view import sentence

PO = str(uuid.uuid4())


def entry(kind: str, **detail: Any) -> dict[str, Any]:
    return {
        "at": "2026-12-01T09:00:00+00:00",
        "kind": kind,
        "summary": "as written",
        "detail": detail,
    }


def test_reserved_stock_names_quantity_item_and_a_link_to_the_lot():
    said = sentence(
        entry(
            "stock.reserved",
            lots=[
                {
                    "line_no": 1,
                    "item_code": "SOAP",
                    "lot_code": "L-12",
                    "quantity": "3",
                    "unit": "pc",
                }
            ],
        ),
        "en",
    )

    assert str(said) == 'Stock reserved: 3 pc of SOAP from lot <a href="/trace?lot=L-12">L-12</a>'


def test_a_production_order_is_named_by_its_number_and_linked_in_italian_too():
    planned = entry(
        "production.planned",
        production_order_id=PO,
        number="MO-00042",
        item_code="SOAP",
        status="planned",
        quantity="5",
        unit="pc",
        reason=None,
    )

    english, italian = sentence(planned, "en"), sentence(planned, "it")

    link = f'<a href="/production/{PO}">MO-00042</a>'
    assert str(english) == f"Production order {link} planned"
    assert str(italian) == f"Ordine di produzione {link} pianificato"


def test_a_status_change_says_the_new_status_in_words_with_its_reason():
    said = sentence(
        entry(
            "status.awaiting_production",
            previous="received",
            status="awaiting_production",
            reason="short of SOAP",
        ),
        "it",
    )

    assert (
        str(said)
        == 'Ordine passato a «In attesa di produzione» <span class="muted">(short of SOAP)</span>'
    )


def test_a_shipment_links_its_tracking_and_escapes_what_the_carrier_sent():
    said = sentence(
        entry(
            "shipment.dispatched",
            carrier="manual",
            service="<b>DHL</b>",
            tracking_number="1Z999",
            tracking_url="https://track.example/1Z999",
        ),
        "en",
    )

    assert str(said) == (
        'Shipped with &lt;b&gt;DHL&lt;/b&gt;, tracking <a href="https://track.example/1Z999">1Z999</a>'
    )


def test_an_entry_without_its_facts_is_left_to_the_kind_name_and_summary():
    assert sentence(entry("production.planned"), "en") is None
    assert sentence(entry("channel.edit_ignored"), "en") is None
