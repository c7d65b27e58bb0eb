"""Applying a completion, pure, by a hand-computed example.

Production order PO made 30 jars of honey (``pc``) on 4 March 2026, expiring 4 June 2026,
from 12 kg of honey lot HONEY-1 (1.50 EUR/kg; 20 kg on hand, 15 kg reserved of which this
order holds 10 kg, so 20 − 15 + 10 = 15 kg are free to it) and 30 jars of lot JAR-1
(0.20 EUR/pc, 100 on hand, nothing reserved), in 60 minutes at 0.10 EUR/min:
12 × 1.50 + 30 × 0.20 + 60 × 0.10 = 18.00 + 6.00 + 6.00 = 30.00 EUR over 30 jars = 1 EUR/jar.

Demands in their order: CANCELLED line 1 (10 pc, the order is cancelled: skipped), PICKY
line 1 (5 pc, needs ≥ 120 days left but the lot has 92: skipped), ALICE line 1 (12 pc),
BOB line 2 (24 pc) and ALICE line 2 (6 pc). 30 jars serve ALICE 12, then BOB 18 (of 24);
ALICE line 2 gets nothing. ALICE had asked for lines 1 (12) and 2 (6): not fully reserved;
BOB asked only for line 2 (24) and already had 6 on it: 6 + 18 = 24, fully reserved.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from services.inventory.production.completion import (
    CompletionFacts,
    CompletionRefused,
    complete,
)
from services.inventory.reservations.domain import Lot
from services.inventory.reservations.shelf_life_rules import Scope, ShelfLifeRule
from services.inventory.stock.stock_entry_rules import Opening
from shared.contracts.inventory import (
    LotReceived,
    MaterialLot,
    OrderAllocation,
    ProductionRecorded,
    StockAllocated,
)
from shared.contracts.production import Demand, ProductionCompleted
from shared.units import Money, Quantity

PO = UUID("00000000-0000-0000-0000-00000000000a")
ALICE = UUID("00000000-0000-0000-0000-0000000000a1")
BOB = UUID("00000000-0000-0000-0000-0000000000b0")
PICKY = UUID("00000000-0000-0000-0000-0000000000c0")
CANCELLED = UUID("00000000-0000-0000-0000-0000000000d0")
EUR = "EUR"

HONEY = Lot(
    1, "HONEY-1", "HONEY", "kg", Decimal(20), Decimal(15), None, unit_cost=Money.of("1.5", EUR)
)
JARS = Lot(2, "JAR-1", "JAR", "pc", Decimal(100), Decimal(0), unit_cost=Money.of("0.2", EUR))


def completed(output: str = "30", **changes: object) -> ProductionCompleted:
    fields: dict[str, object] = {
        "production_order_id": PO,
        "item_code": "HONEY-JAR",
        "output": Quantity.of(output, "pc"),
        "output_lot_code": "HONEY-JAR-P260304-000000",
        "produced_on": date(2026, 3, 4),
        "expires_on": date(2026, 6, 4),
        "consumed": (
            MaterialLot(item_code="HONEY", lot_code="HONEY-1", quantity=Quantity.of(12000, "g")),
            MaterialLot(item_code="JAR", lot_code="JAR-1", quantity=Quantity.of(30, "pc")),
        ),
        "demands": (
            Demand(order_id=CANCELLED, line_no=1, quantity=Quantity.of(10, "pc")),
            Demand(order_id=PICKY, line_no=1, quantity=Quantity.of(5, "pc")),
            Demand(order_id=ALICE, line_no=1, quantity=Quantity.of(12, "pc")),
            Demand(order_id=BOB, line_no=2, quantity=Quantity.of(24, "pc")),
            Demand(order_id=ALICE, line_no=2, quantity=Quantity.of(6, "pc")),
        ),
        "run_minutes": 60,
        "cost_per_minute": Money.of("0.10", EUR),
    }
    return ProductionCompleted.model_validate({**fields, **changes})


def facts(event: ProductionCompleted, **changes: object) -> CompletionFacts:
    values: dict[str, object] = {
        "event": event,
        "base_unit": "pc",
        "lots": {"HONEY-1": HONEY, "JAR-1": JARS},
        "held": {1: Decimal(10)},
        "cancelled": frozenset({CANCELLED}),
        "shelf_life": {PICKY: ShelfLifeRule(Scope.CUSTOMER, "picky@example.com", min_days=120)},
        "coverage": {
            ALICE: ({(ALICE, 1): Decimal(12), (ALICE, 2): Decimal(6)}, {}),
            BOB: ({(BOB, 2): Decimal(24)}, {(BOB, 2): Decimal(6)}),
            PICKY: ({(PICKY, 1): Decimal(5)}, {}),
        },
        "today": date(2026, 3, 4),
    }
    return CompletionFacts(**{**values, **changes})  # type: ignore[arg-type]


def test_a_completion_consumes_makes_a_costed_lot_and_serves_the_demands_in_order() -> None:
    outcome = complete(facts(completed()))

    assert [(c.lot.lot_code, c.quantity) for c in outcome.consumptions] == [
        ("HONEY-1", Decimal(12)),
        ("JAR-1", Decimal(30)),
    ]
    assert outcome.reference == f"production:{PO}"
    lot = outcome.output
    assert (lot.lot_code, lot.quantity, lot.received_on) == (
        "HONEY-JAR-P260304-000000",
        Quantity.of(30, "pc"),
        date(2026, 3, 4),
    )
    assert lot.unit_cost == Money.of("1.000000", EUR)
    assert lot.labour_cost == Money.of("6.00", EUR)
    assert lot.opening == Opening("production", Decimal(30), f"production:{PO}")
    assert [(a.order_id, a.line_no, a.quantity.value) for a in outcome.allocations] == [
        (ALICE, 1, Decimal(12)),
        (BOB, 2, Decimal(18)),
    ]
    assert [(d.order_id, d.line_no) for d in outcome.too_short] == [(PICKY, 1)]


def test_a_completion_announces_the_lot_the_record_and_each_order_served() -> None:
    outcome = complete(facts(completed()))

    received, recorded, alice, bob = outcome.events
    assert isinstance(received, LotReceived)
    assert received.production_order_id == PO and received.unit_cost == Money.of(1, EUR)
    assert isinstance(recorded, ProductionRecorded)
    assert recorded.output == Quantity.of(30, "pc")
    assert recorded.allocations == outcome.allocations
    assert isinstance(alice, StockAllocated) and isinstance(bob, StockAllocated)
    assert (alice.order_id, alice.fully_reserved) == (ALICE, False)
    assert [r.quantity for r in alice.reservations] == [Quantity.of(12, "pc")]
    assert (bob.order_id, bob.fully_reserved) == (BOB, True)
    assert bob.reservations[0].expires_on == date(2026, 6, 4)


def test_surplus_stays_free_stock() -> None:
    outcome = complete(facts(completed(output="50")))

    assert [a.quantity.value for a in outcome.allocations] == [
        Decimal(12),
        Decimal(24),
        Decimal(6),
    ]
    assert outcome.output.quantity == Quantity.of(50, "pc")
    assert sum(a.quantity.value for a in outcome.allocations) == 42


def test_an_order_is_served_once_per_line_in_one_announcement() -> None:
    outcome = complete(facts(completed(output="50")))

    served = [e for e in outcome.events if isinstance(e, StockAllocated)]
    assert [e.order_id for e in served] == [ALICE, BOB]
    assert [r.line_no for r in served[0].reservations] == [1, 2]
    assert served[0].fully_reserved


@pytest.mark.parametrize(
    ("event", "changes", "reason"),
    [
        (completed(), {"base_unit": None}, "unknown item HONEY-JAR"),
        (completed(), {"base_unit": "kg"}, "output of HONEY-JAR"),
        (completed(output="0"), {}, "the output quantity must be positive"),
        (completed(), {"held": {}}, "lot HONEY-1 has only 5 kg free to consume, not 12"),
        (completed(), {"lots": {"HONEY-1": HONEY}}, "unknown lot JAR-1"),
    ],
)
def test_what_stock_cannot_honour_is_refused(
    event: ProductionCompleted, changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(CompletionRefused, match=reason):
        complete(facts(event, **changes))


def test_the_allocations_name_the_output_lot() -> None:
    outcome = complete(facts(completed()))

    assert outcome.allocations[0] == OrderAllocation(
        order_id=ALICE,
        line_no=1,
        lot_code="HONEY-JAR-P260304-000000",
        quantity=Quantity.of(12, "pc"),
    )
