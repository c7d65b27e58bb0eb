"""The pure parts of the forms that prevent mistakes: which item a typed name means, the
order's total, a quote missing the customer's date, an empty lot's expiry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.gateway.dashboard.item_lookup import chosen
from services.gateway.dashboard.manual_entry import read
from services.gateway.dashboard.money import order_total, total_of
from services.gateway.dashboard.pages.stock import expiry_state
from services.gateway.dashboard.quote_view import view_of

BISCUITS = {"code": "BISC-BUTTER", "name": "Butter biscuits"}
BUTTER = {"code": "BUTTER", "name": "Butter"}
SHORTBREAD = {"code": "SHORTBREAD", "name": "Butter shortbread"}


def test_a_typed_name_or_code_means_the_one_item_it_names() -> None:
    assert chosen("butter biscuits", [BISCUITS]) == "BISC-BUTTER"
    assert chosen("BUTTER", [BISCUITS, BUTTER, SHORTBREAD]) == "BUTTER"  # its exact code
    assert chosen("Butter shortbread", [SHORTBREAD, BISCUITS]) == "SHORTBREAD"
    assert chosen("butt", [BISCUITS, SHORTBREAD]) is None  # several: the person picks
    assert chosen("marzipan", []) is None


def test_the_total_sums_the_priced_lines_and_counts_the_others() -> None:
    total = total_of([("10", "4,25"), ("2", ""), ("1.5", "2")], "eur")

    assert total is not None
    assert total.amount == Decimal("45.50") and total.unpriced == 1
    assert str(total) == "45.50 EUR"
    assert total_of([("3", None)], "EUR") is None


def test_an_orders_total_takes_its_currency_from_the_order_or_its_lines() -> None:
    lines = [{"quantity": "12", "unit_price": "4.50", "currency": "CHF"}]

    total = order_total({"currency": None, "lines": lines})

    assert total is not None and str(total) == "54.00 CHF"


def test_a_quote_after_the_asked_date_says_by_how_many_days() -> None:
    entry = read({"source": "phone", "customer_name": "A", "requested_on": "2026-12-18"})

    late = view_of(entry, {"promised_on": "2026-12-28"})
    met = view_of(entry, {"promised_on": "2026-12-18"})
    unasked = view_of(read({"source": "phone"}), {"promised_on": "2026-12-28"})

    assert late.days_late == 10 and late.asked_for == date(2026, 12, 18)
    assert met.days_late == 0
    assert unasked.days_late == 0 and unasked.asked_for is None


def test_an_empty_lot_drops_its_expiry_warning() -> None:
    today = date(2026, 12, 1)

    assert expiry_state("2026-12-10", today=today, on_hand="5") == "soon"
    assert expiry_state("2026-12-10", today=today, on_hand="0.000") == ""
    assert expiry_state("2026-11-10", today=today, on_hand="0") == ""
    assert expiry_state("2026-11-10", today=today, on_hand="1") == "expired"
