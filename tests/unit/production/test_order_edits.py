"""A reduced order line takes its reduction off production, newest batch first."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

from services.production.order_changes.reduction_rules import take_off_demands
from services.production.production_orders.domain import ProductionOrder
from shared.contracts.production import Demand, ProductionStatus
from shared.units import Quantity

ORDER, OTHER = uuid4(), uuid4()


def po(n: int, *demands: tuple[UUID, int, int]) -> ProductionOrder:
    return ProductionOrder(
        id=UUID(int=n),
        item_code="SOAP",
        quantity=Quantity.of(10, "pc"),
        status=ProductionStatus.PLANNED,
        demands=tuple(
            Demand(order_id=o, line_no=ln, quantity=Quantity.of(q, "pc")) for o, ln, q in demands
        ),
    )


def test_the_newest_batch_gives_up_its_share_first_and_other_orders_keep_theirs():
    older = po(1, (ORDER, 1, 4), (OTHER, 1, 6))
    newer = po(2, (ORDER, 1, 3))

    after_older, after_newer = take_off_demands([older, newer], ORDER, {1: Decimal(5)})

    assert after_newer.demands == ()
    assert [(d.order_id, d.quantity.value) for d in after_older.demands] == [
        (ORDER, Decimal(2)),
        (OTHER, Decimal(6)),
    ]


def test_a_reduction_on_another_line_changes_nothing():
    batch = po(1, (ORDER, 1, 4))

    [after] = take_off_demands([batch], ORDER, {2: Decimal(4)})

    assert after.demands == batch.demands
