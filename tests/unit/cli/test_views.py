"""The one-line answers people read first: the can-make verdict and what a batch waits for."""

from typing import Any

from rich.console import Console

from services.cli.render import order_view, shortage_text, when
from services.cli.render_recipes import verdict


def availability(
    *, can_start_now: bool, short: str = "0", lead: int | None = None
) -> dict[str, Any]:
    return {
        "item_code": "BUTTER-BISCUITS-250G",
        "quantity": "30",
        "unit": "pc",
        "can_start_now": can_start_now,
        "material_lead_days": lead,
        "materials": [
            {"item_code": "BISCUIT-DOUGH", "unit": "kg", "short": "0"},
            {"item_code": "FLOUR-00", "unit": "kg", "short": short},
        ],
    }


def test_the_verdict_says_yes_when_nothing_must_be_bought():
    text = verdict(availability(can_start_now=True)).plain

    assert text == "Yes: 30 pc of BUTTER-BISCUITS-250G can be started now."


def test_the_verdict_names_what_to_buy_and_the_longest_lead_time():
    text = verdict(availability(can_start_now=False, short="4", lead=10)).plain

    assert text == "Not yet: buy 4 kg FLOUR-00 first (longest lead time 10 days)."


def test_the_verdict_admits_an_unknown_lead_time():
    text = verdict(availability(can_start_now=False, short="0.5")).plain

    assert text.endswith("buy 0.5 kg FLOUR-00 first (no lead time known).")


def test_a_shortage_reads_as_item_quantity_and_supplier():
    shortages: list[dict[str, Any]] = [
        {
            "item_code": "FLOUR-00",
            "missing": {"value": "4", "unit": "kg"},
            "supplier": "Mulino Rossi",
            "lead_time_days": 10,
        },
        {"item_code": "BISCUIT-DOUGH", "missing": {"value": "10", "unit": "kg"}},
    ]

    text = shortage_text(shortages)

    assert text == "FLOUR-00 short 4 kg (Mulino Rossi, 10 d); BISCUIT-DOUGH short 10 kg"


def test_timestamps_are_shown_to_the_second():
    assert when("2026-11-25T14:51:01.624701Z") == "2026-11-25 14:51:01"
    assert when(None) == ""


def test_an_order_shows_the_materials_missing_at_any_level_and_its_test_flag():
    order: dict[str, Any] = {
        "id": "o-1",
        "status": "awaiting_materials",
        "hold_reason": None,
        "is_test": True,
        "channel": "shopify",
        "shop": "bakery.myshopify.com",
        "external_id": "1",
        "external_number": "#1001",
        "customer": {},
        "lines": [],
        "reservations": [],
        "shortages": [],
        "production_orders": [],
        "history": [],
        "missing_materials": [
            {
                "item_code": "FLOUR",
                "missing": "0.6",
                "unit": "kg",
                "lead_time_days": 10,
                "expected_on": "2027-03-05",
                "arrives_on": "2027-03-15",
                "production_order_id": "po-dough",
            },
            {
                "item_code": "SALT",
                "missing": None,
                "unit": None,
                "lead_time_days": None,
                "expected_on": None,
                "arrives_on": None,
                "production_order_id": "po-dough",
            },
        ],
    }
    console = Console(width=200, record=True)

    console.print(order_view(order))

    shown = console.export_text()
    assert "TEST ORDER" in shown
    assert "Materials missing (any recipe level)" in shown
    assert "FLOUR" in shown and "0.6 kg" in shown and "2027-03-05 (purchase order)" in shown
    assert "no date: nothing brings it yet" in shown
