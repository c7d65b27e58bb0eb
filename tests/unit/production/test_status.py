"""The production order's life: which status moves are legal, and what each announces."""

from __future__ import annotations

from itertools import product
from uuid import uuid4

import pytest

from services.production.production_orders import domain
from shared.contracts.production import Demand, ProductionStatus
from shared.units import Quantity

S = ProductionStatus

LEGAL = {
    (S.PLANNED, S.MATERIALS_RESERVED),
    (S.PLANNED, S.BLOCKED_ON_MATERIALS),
    (S.PLANNED, S.CANCELLED),
    (S.BLOCKED_ON_MATERIALS, S.MATERIALS_RESERVED),
    (S.BLOCKED_ON_MATERIALS, S.PLANNED),
    (S.BLOCKED_ON_MATERIALS, S.CANCELLED),
    (S.MATERIALS_RESERVED, S.IN_PROGRESS),
    (S.MATERIALS_RESERVED, S.BLOCKED_ON_MATERIALS),
    (S.MATERIALS_RESERVED, S.PLANNED),
    (S.MATERIALS_RESERVED, S.CANCELLED),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.COMPLETED, S.IN_PROGRESS),
}


def order(status: ProductionStatus) -> domain.ProductionOrder:
    return domain.ProductionOrder(
        id=uuid4(),
        item_code="JAM",
        quantity=Quantity.of("12", "pc"),
        status=status,
        demands=(Demand(order_id=uuid4(), line_no=1, quantity=Quantity.of("10", "pc")),),
    )


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_a_legal_move_returns_the_moved_order_and_its_event(current, target):
    before = order(current)

    after, event = domain.transition(before, target, reason="because")

    assert after.status is target
    assert (event.previous, event.status, event.reason) == (current, target, "because")
    assert event.demands == before.demands
    assert event.production_order_id == before.id


ILLEGAL = sorted(set(product(S, S)) - LEGAL)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_other_move_raises_naming_the_current_status(current, target):
    with pytest.raises(domain.IllegalTransition, match=f"is {current.value}"):
        domain.transition(order(current), target)


def test_the_table_is_exactly_the_legal_moves():
    assert {(a, b) for a, targets in domain.ALLOWED.items() for b in targets} == LEGAL


def test_cancelled_is_terminal_and_in_progress_cannot_be_cancelled():
    assert domain.ALLOWED[S.CANCELLED] == frozenset()
    assert not domain.can_move(S.IN_PROGRESS, S.CANCELLED)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (S.PLANNED, S.MATERIALS_RESERVED),
        (S.BLOCKED_ON_MATERIALS, S.MATERIALS_RESERVED),
        (S.MATERIALS_RESERVED, S.MATERIALS_RESERVED),
        (S.IN_PROGRESS, S.IN_PROGRESS),  # held again elsewhere after a recall: lots replaced
        (S.COMPLETED, None),
        (S.CANCELLED, None),
    ],
)
def test_materials_reserved_moves_only_orders_not_started(current, expected):
    assert domain.after_materials_reserved(current) is expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (S.PLANNED, S.BLOCKED_ON_MATERIALS),
        (S.MATERIALS_RESERVED, S.BLOCKED_ON_MATERIALS),
        (S.BLOCKED_ON_MATERIALS, S.BLOCKED_ON_MATERIALS),
        (S.IN_PROGRESS, None),
        (S.COMPLETED, None),
        (S.CANCELLED, None),
    ],
)
def test_materials_short_blocks_only_orders_not_started(current, expected):
    assert domain.after_materials_short(current) is expected
