"""The pure rules of a quote: a recipe's time on its line, and stock counted once."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.production.promise.quote_rules import Wanted, missing_after_stock, production_minutes
from services.production.recipes.recipe_rules import Recipe


def bread(
    *, setup: int = 30, per_batch: int | None = 60, duration: int = 0, line: str = "OVEN"
) -> Recipe:
    return Recipe(
        item_code="BREAD",
        version=1,
        batch_size=Decimal(10),
        unit="pc",
        expected_yield=Decimal(1),
        whole_batches=True,
        lines=(),
        duration_minutes=duration,
        line_code=line,
        setup_minutes=setup,
        minutes_per_batch=per_batch,
    )


def test_setup_once_then_each_batch():
    minutes = production_minutes(bread(setup=30, per_batch=60), Decimal(2))

    assert minutes == 150


def test_a_part_batch_takes_its_share_rounded_up_to_a_minute():
    minutes = production_minutes(bread(setup=0, per_batch=45), Decimal("1.5"))

    assert minutes == 68  # 67.5


def test_a_recipe_without_minutes_per_batch_takes_its_duration_per_batch():
    minutes = production_minutes(bread(setup=10, per_batch=None, duration=90), Decimal(3))

    assert minutes == 280


def test_stock_covers_lines_in_order_and_is_counted_once():
    wanted = [
        Wanted(2, "BREAD", Decimal(30)),
        Wanted(1, "BREAD", Decimal(40)),
        Wanted(3, "JAM", Decimal(5)),
    ]

    missing = missing_after_stock(wanted, {"BREAD": Decimal(50), "JAM": Decimal(9)})

    assert missing == {1: Decimal(0), 2: Decimal(20), 3: Decimal(0)}


def test_negative_availability_is_no_stock():
    missing = missing_after_stock([Wanted(1, "BREAD", Decimal(4))], {"BREAD": Decimal(-2)})

    assert missing == {1: Decimal(4)}


quantities = st.decimals(min_value=0, max_value=1000, places=2)


@given(
    stock=quantities,
    wanted=st.lists(st.tuples(st.sampled_from(["A", "B"]), quantities), min_size=1, max_size=6),
)
def test_never_promises_more_stock_than_there_is(stock, wanted):
    lines = [Wanted(no, item, q) for no, (item, q) in enumerate(wanted, start=1)]

    missing = missing_after_stock(lines, {"A": stock})

    taken = sum(w.quantity - missing[w.line_no] for w in lines if w.item_code == "A")
    assert taken <= stock
    assert all(Decimal(0) <= missing[w.line_no] <= w.quantity for w in lines)
    assert all(missing[w.line_no] == w.quantity for w in lines if w.item_code == "B")
