"""The new-order form: what a person typed becomes the quote's and the order's bodies."""

from __future__ import annotations

from services.gateway.dashboard.manual_entry import order_body, quote_body, read


def typed(**fields: str) -> dict[str, str]:
    return {"source": "sales_rep", "customer_name": "Bar Sport", "rows": "3", **fields}


def test_spare_rows_are_ignored_and_codes_and_commas_are_tidied() -> None:
    entry = read(
        typed(
            **{
                "line-2-item_code": " fig-jam ",
                "line-2-quantity": "1,5",
                "line-2-unit": "kg",
                "line-2-unit_price": "9,90",
            }
        )
    )

    assert entry.problems == ()
    assert quote_body(entry) == {
        "lines": [{"item_code": "FIG-JAM", "quantity": "1.5", "unit": "kg"}]
    }
    assert order_body(entry)["lines"] == [
        {"item_code": "FIG-JAM", "quantity": "1.5", "unit": "kg", "unit_price": "9.90"}
    ]


def test_the_same_typing_gives_the_same_order_body() -> None:
    form = typed(**{"line-1-item_code": "FIG-JAM", "line-1-quantity": "2", "city": "Bologna"})

    assert order_body(read(form)) == order_body(read(dict(form)))
    assert order_body(read(form))["customer"]["shipping_address"]["city"] == "Bologna"


def test_what_cannot_be_sent_is_named() -> None:
    entry = read(
        {
            "source": "fax",
            "line-1-item_code": "FIG-JAM",
            "line-1-quantity": "-1",
            "line-3-quantity": "2",
            "line-3-item_code": "X",
            "line-3-unit_price": "abc",
        }
    )

    assert [text for text, _ in entry.problems] == [
        "Choose how the order came in.",
        "Give the customer's name or e-mail.",
        "Line {n}: give an item and a quantity above zero.",
        "Line {n}: the price must be a number, zero or more.",
    ]
    assert [numbers for _, numbers in entry.problems][2:] == [{"n": 1}, {"n": 3}]


def test_an_empty_form_asks_for_a_line() -> None:
    assert ("Add at least one line.", {}) in read(typed()).problems


def test_adding_a_row_keeps_what_was_typed() -> None:
    entry = read(typed(**{"line-1-item_code": "FIG-JAM"}), extra_rows=1)

    assert len(entry.rows) == 4 and entry.rows[0].item_code == "FIG-JAM"
