"""Make-to-order planning from shortages."""

from __future__ import annotations

from decimal import Decimal
from uuid import NAMESPACE_URL, uuid4, uuid5

from services.production.domain import plan_for_shortages
from shared.contracts.inventory import Shortage
from shared.units import Quantity


def shortage(line_no: int, item: str, missing: str) -> Shortage:
    q = Quantity.of(missing, "pc")
    return Shortage(
        line_no=line_no, item_code=item, requested=q, reserved=Quantity.zero("pc"), missing=q
    )


def test_one_production_order_per_short_item_covering_all_its_lines():
    order_id = uuid4()

    plans = plan_for_shortages(
        order_id,
        [shortage(1, "SOAP", "3"), shortage(2, "OIL", "1"), shortage(3, "SOAP", "2")],
        new_id=lambda item: uuid5(NAMESPACE_URL, item),
    )

    by_item = {p.item_code: p for p in plans}
    assert set(by_item) == {"SOAP", "OIL"}
    assert by_item["SOAP"].quantity == Quantity.of("5", "pc")
    assert [(d.line_no, d.quantity.value) for d in by_item["SOAP"].demands] == [
        (1, Decimal(3)),
        (3, Decimal(2)),
    ]
    assert all(d.order_id == order_id for p in plans for d in p.demands)


def test_nothing_missing_plans_nothing():
    assert plan_for_shortages(uuid4(), [shortage(1, "SOAP", "0")], new_id=lambda _: uuid4()) == []
