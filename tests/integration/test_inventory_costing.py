"""Unit costs of lots against the real PostgreSQL: a receipt's cost over its quantity in the
base unit, and a three-level recipe (flour → dough → biscuits) costed from the lots really
consumed, the run time at the line's rate and the actual (short) output — the same numbers
as the hand-computed example in tests/unit/inventory/test_costing_rules.py."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import InventoryError
from services.inventory.production import holding_and_completion as production
from services.inventory.stock import receipts, recosting
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import MaterialLot
from shared.contracts.production import ProductionCompleted, ProductionRunCorrected
from shared.units import Money, Quantity
from tests.integration.test_inventory_production import item, lot_row, staged


async def receive(
    engine: AsyncEngine, item_code: str, qty: str, unit: str, cost: Money | None
) -> str:
    lot = await receipts.receive_goods(
        engine,
        receipts.GoodsReceipt(
            item_code=item_code,
            quantity=Quantity.of(qty, unit),
            supplier="Mulino Rossi",
            supplier_lot_code=uuid.uuid4().hex[:8],
            received_on=date(2026, 11, 20),
            expires_on=date(2027, 1, 31),
            cost=cost,
        ),
    )
    return lot.lot_code


async def complete(
    engine: AsyncEngine,
    product: str,
    output: Quantity,
    consumed: list[tuple[str, str, Quantity]],
    *,
    run_minutes: int | None,
    rate: Money | None,
    po: uuid.UUID | None = None,
) -> str:
    po = po or uuid.uuid4()
    done = ProductionCompleted(
        production_order_id=po,
        item_code=product,
        output=output,
        output_lot_code=f"{product}-P1",
        produced_on=date(2026, 11, 24),
        consumed=tuple(
            MaterialLot(item_code=i, lot_code=lot, quantity=q) for i, lot, q in consumed
        ),
        demands=(),
        run_minutes=run_minutes,
        cost_per_minute=rate,
    )
    await apply_once(engine, production.apply_completion, Envelope.wrap(done), done)
    [received] = await staged(engine, po, "inventory.production_recorded")
    return str(received["output_lot_code"])


async def test_a_receipt_cost_is_spread_over_the_base_unit(inventory_engine):
    flour = await item(inventory_engine, "FLOUR", "kg")
    lot = await receive(inventory_engine, flour, "5000", "g", Money.of("4.00", "EUR"))

    row = await lot_row(inventory_engine, lot)
    assert (row.unit_cost, row.unit_cost_currency) == (Decimal("0.800000"), "EUR")
    [announced] = await staged_lot(inventory_engine, lot)
    assert announced["unit_cost"] == {"amount": "0.80", "currency": "EUR"}

    unknown = await receive(inventory_engine, flour, "1", "kg", None)
    assert (await lot_row(inventory_engine, unknown)).unit_cost is None


async def staged_lot(engine: AsyncEngine, lot_code: str) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope).where(
                t.OUTBOX.c.key == lot_code, t.OUTBOX.c.event_type == "inventory.lot_received"
            )
        )
        return [r.envelope["payload"] for r in rows]


async def test_three_levels_cost_the_consumed_lots_the_run_time_and_the_short_yield(
    inventory_engine,
):
    eur = "EUR"
    flour = await item(inventory_engine, "FLOUR", "kg")
    dough = await item(inventory_engine, "DOUGH", "kg", kind="intermediate")
    biscuits = await item(inventory_engine, "BISCUITS", "pc", kind="finished_good")
    flour_a = await receive(inventory_engine, flour, "10", "kg", Money.of("8.00", eur))
    flour_b = await receive(inventory_engine, flour, "10", "kg", Money.of("12.00", eur))

    dough_lot = await complete(
        inventory_engine,
        dough,
        Quantity.of("10", "kg"),  # 12 kg expected: a short yield
        [(flour, flour_a, Quantity.of("10", "kg")), (flour, flour_b, Quantity.of("2000", "g"))],
        run_minutes=30,
        rate=Money.of("0.50", eur),
    )
    assert (await lot_row(inventory_engine, dough_lot)).unit_cost == Decimal("2.540000")

    biscuit_lot = await complete(
        inventory_engine,
        biscuits,
        Quantity.of("112", "pc"),
        [(dough, dough_lot, Quantity.of("10", "kg"))],
        run_minutes=40,
        rate=Money.of("0.25", eur),
    )
    row = await lot_row(inventory_engine, biscuit_lot)
    assert (row.unit_cost, row.unit_cost_currency) == (Decimal("0.316071"), eur)
    [announced] = await staged_lot(inventory_engine, biscuit_lot)
    assert announced["unit_cost"] == {"amount": "0.316071", "currency": eur}


async def test_a_lot_made_from_an_input_of_unknown_cost_has_no_cost(inventory_engine):
    flour = await item(inventory_engine, "FLOUR", "kg")
    bread = await item(inventory_engine, "BREAD", "pc", kind="finished_good")
    costed = await receive(inventory_engine, flour, "5", "kg", Money.of("5", "EUR"))
    uncosted = await receive(inventory_engine, flour, "5", "kg", None)

    lot = await complete(
        inventory_engine,
        bread,
        Quantity.of("10", "pc"),
        [(flour, costed, Quantity.of("1", "kg")), (flour, uncosted, Quantity.of("1", "kg"))],
        run_minutes=10,
        rate=Money.of("1", "EUR"),
    )
    assert (await lot_row(inventory_engine, lot)).unit_cost is None


async def test_a_corrected_receipt_cost_recosts_every_lot_made_from_it(inventory_engine):
    """Flour A's invoice says 10.00, not 8.00: dough (10.00 + 2.40 + 15.00) / 10 = 2.74 and
    biscuits (27.40 + 10.00) / 112 = 0.333928571… → 0.333929, announced lot by lot."""
    eur = "EUR"
    flour = await item(inventory_engine, "FLOUR", "kg")
    dough = await item(inventory_engine, "DOUGH", "kg", kind="intermediate")
    biscuits = await item(inventory_engine, "BISCUITS", "pc", kind="finished_good")
    flour_a = await receive(inventory_engine, flour, "10", "kg", Money.of("8.00", eur))
    flour_b = await receive(inventory_engine, flour, "10", "kg", Money.of("12.00", eur))
    dough_lot = await complete(
        inventory_engine,
        dough,
        Quantity.of("10", "kg"),
        [(flour, flour_a, Quantity.of("10", "kg")), (flour, flour_b, Quantity.of("2", "kg"))],
        run_minutes=30,
        rate=Money.of("0.50", eur),
    )
    biscuit_lot = await complete(
        inventory_engine,
        biscuits,
        Quantity.of("112", "pc"),
        [(dough, dough_lot, Quantity.of("10", "kg"))],
        run_minutes=40,
        rate=Money.of("0.25", eur),
    )

    changed = await recosting.correct_receipt_cost(
        inventory_engine, flour_a, Money.of("10.00", eur)
    )

    assert [(c.lot_code, c.unit_cost, c.previous_unit_cost) for c in changed] == [
        (flour_a, Money.of("1", eur), Money.of("0.8", eur)),
        (dough_lot, Money.of("2.74", eur), Money.of("2.54", eur)),
        (biscuit_lot, Money.of("0.333929", eur), Money.of("0.316071", eur)),
    ]
    assert (await lot_row(inventory_engine, biscuit_lot)).unit_cost == Decimal("0.333929")
    assert (await lot_row(inventory_engine, flour_b)).unit_cost == Decimal("1.2")  # untouched
    async with inventory_engine.connect() as conn:
        announced = (
            await conn.scalars(
                sa.select(t.OUTBOX.c.envelope).where(
                    t.OUTBOX.c.key == biscuit_lot,
                    t.OUTBOX.c.event_type == "inventory.lot_cost_changed",
                )
            )
        ).all()
    assert [a["payload"]["unit_cost"] for a in announced] == [
        {"amount": "0.333929", "currency": eur}
    ]
    # The same cost again changes nothing and announces nothing.
    assert (
        await recosting.correct_receipt_cost(inventory_engine, flour_a, Money.of("10", eur)) == []
    )
    with pytest.raises(InventoryError):  # a produced lot's cost follows its inputs
        await recosting.correct_receipt_cost(inventory_engine, dough_lot, Money.of("1", eur))


async def test_a_corrected_run_time_recosts_its_output_lot_and_every_lot_made_from_it(
    inventory_engine,
):
    """The dough ran 45 min, not 30: dough (8.00 + 2.40 + 22.50) / 10 = 3.29 and biscuits
    (32.90 + 10.00) / 112 = 0.383035714… → 0.383036, each announced as caused by the
    correction; the flour is untouched."""
    eur = "EUR"
    flour = await item(inventory_engine, "FLOUR", "kg")
    dough = await item(inventory_engine, "DOUGH", "kg", kind="intermediate")
    biscuits = await item(inventory_engine, "BISCUITS", "pc", kind="finished_good")
    flour_a = await receive(inventory_engine, flour, "10", "kg", Money.of("8.00", eur))
    flour_b = await receive(inventory_engine, flour, "10", "kg", Money.of("12.00", eur))
    dough_run = uuid.uuid4()
    dough_lot = await complete(
        inventory_engine,
        dough,
        Quantity.of("10", "kg"),
        [(flour, flour_a, Quantity.of("10", "kg")), (flour, flour_b, Quantity.of("2", "kg"))],
        run_minutes=30,
        rate=Money.of("0.50", eur),
        po=dough_run,
    )
    biscuit_lot = await complete(
        inventory_engine,
        biscuits,
        Quantity.of("112", "pc"),
        [(dough, dough_lot, Quantity.of("10", "kg"))],
        run_minutes=40,
        rate=Money.of("0.25", eur),
    )
    corrected = ProductionRunCorrected(
        production_order_id=dough_run,
        item_code=dough,
        output_lot_code=dough_lot,
        run_minutes=45,
        previous_run_minutes=30,
        cost_per_minute=Money.of("0.50", eur),
    )
    envelope = Envelope.wrap(corrected)

    await apply_once(
        inventory_engine,
        recosting.when_run_time_is_corrected_recost_its_output,
        envelope,
        corrected,
    )

    dough_row = await lot_row(inventory_engine, dough_lot)
    assert (dough_row.unit_cost, dough_row.labour_cost) == (Decimal("3.29"), Decimal("22.5"))
    assert (await lot_row(inventory_engine, biscuit_lot)).unit_cost == Decimal("0.383036")
    assert (await lot_row(inventory_engine, flour_a)).unit_cost == Decimal("0.8")
    async with inventory_engine.connect() as conn:
        announced = (
            await conn.scalars(
                sa.select(t.OUTBOX.c.envelope)
                .where(t.OUTBOX.c.event_type == "inventory.lot_cost_changed")
                .where(t.OUTBOX.c.key.in_([dough_lot, biscuit_lot]))
            )
        ).all()
    assert sorted(
        (a["payload"]["lot_code"], a["payload"]["unit_cost"]["amount"]) for a in announced
    ) == sorted([(dough_lot, "3.29"), (biscuit_lot, "0.383036")])
    assert {a["causation_id"] for a in announced} == {str(envelope.event_id)}
    # A correction for a run this inventory never recorded changes nothing.
    stray = corrected.model_copy(update={"production_order_id": uuid.uuid4()})
    await apply_once(
        inventory_engine,
        recosting.when_run_time_is_corrected_recost_its_output,
        Envelope.wrap(stray),
        stray,
    )
    assert (await lot_row(inventory_engine, dough_lot)).unit_cost == Decimal("3.29")
