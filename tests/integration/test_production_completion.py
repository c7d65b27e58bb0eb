"""Starting and completing production against the real PostgreSQL: refusals change
nothing; a completion names its inputs and output and announces them once."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import handlers, read_models
from services.production import tables as t
from services.production.capacity import lines
from services.production.production_orders import (
    inventory_answers,
    operator,
    planning,
    run_corrections,
    views,
)
from services.production.production_orders.completion_rules import CompletionRefused, Consumed
from services.production.production_orders.domain import IllegalTransition
from services.production.recipes import recipe_book
from services.production.recipes.recipe_rules import RecipeLine
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import (
    ItemDefined,
    LotChanged,
    LotStatus,
    MaterialLot,
    MaterialsReserved,
    ProductionRecorded,
    ProductionRejected,
    Shortage,
    StockShort,
)
from shared.units import Money, Quantity


def code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


async def define(engine: AsyncEngine, item: str, unit: str, kind: str, **more: Any) -> None:
    event = ItemDefined(code=item, name=item.title(), kind=kind, base_unit=unit, **more)
    await apply_once(engine, read_models.when_item_defined, Envelope.wrap(event), event)


async def lot_seen(
    engine: AsyncEngine, lot_code: str, item: str, on_hand: str, reserved: str, unit: str
) -> None:
    event = LotChanged(
        lot_code=lot_code,
        item_code=item,
        on_hand=Quantity.of(on_hand, unit),
        reserved=Quantity.of(reserved, unit),
        revision=1,
        status=LotStatus.AVAILABLE,
    )
    await apply_once(engine, handlers.on_lot_changed, Envelope.wrap(event), event)


async def reserved_soap_order(
    engine: AsyncEngine, line_code: str | None = None
) -> tuple[UUID, str, str, str]:
    """A SOAP production order (2 orders' lines) whose OIL is held in lot <OIL>-A."""
    soap, oil = code("SOAP"), code("OIL")
    await define(engine, soap, "pc", "finished_good", shelf_life_days=365)
    await define(engine, oil, "l", "raw_material")
    await recipe_book.define_recipe(
        engine,
        recipe_book.NewRecipe(
            soap,
            Decimal(10),
            "pc",
            Decimal(1),
            True,
            30,
            (RecipeLine(oil, Decimal(500), "ml"),),
            line_code=line_code,
        ),
    )
    a, b = uuid.uuid4(), uuid.uuid4()
    for order_id, missing in ((a, "6"), (b, "3")):
        event = StockShort(
            order_id=order_id,
            reservations=(),
            shortages=(
                Shortage(
                    line_no=1,
                    item_code=soap,
                    requested=Quantity.of(missing, "pc"),
                    reserved=Quantity.zero("pc"),
                    missing=Quantity.of(missing, "pc"),
                ),
            ),
        )
        await apply_once(engine, planning.plan_for_stock_short, Envelope.wrap(event), event)
    po_id = await planning.combine(
        engine, [planning.make_to_order_id(a, soap), planning.make_to_order_id(b, soap)]
    )
    lot_a, lot_b = f"{oil}-A", f"{oil}-B"
    await lot_seen(engine, lot_a, oil, "8", "5", "l")  # 5 l of it held for this order
    await lot_seen(engine, lot_b, oil, "4", "2", "l")  # 2 l of it held for others
    reserved = MaterialsReserved(
        production_order_id=po_id,
        reservations=(MaterialLot(item_code=oil, lot_code=lot_a, quantity=Quantity.of("5", "l")),),
    )
    await apply_once(
        engine, inventory_answers.when_materials_reserved, Envelope.wrap(reserved), reserved
    )
    return po_id, soap, lot_a, lot_b


async def state(engine: AsyncEngine, po_id: UUID) -> tuple[dict[str, Any], int]:
    async with engine.connect() as conn:
        [found] = await views.find_production_orders(conn, ids=[po_id])
        staged = await conn.scalar(
            sa.select(sa.func.count()).select_from(t.OUTBOX).where(t.OUTBOX.c.key == str(po_id))
        )
    return found, int(staged or 0)


async def test_completing_before_starting_is_refused_naming_the_status(production_engine):
    po_id, *_ = await reserved_soap_order(production_engine)
    before = await state(production_engine, po_id)

    with pytest.raises(IllegalTransition, match="is materials_reserved"):
        await operator.complete(production_engine, po_id, operator.CompletionRecord(Decimal(10)))

    assert await state(production_engine, po_id) == before


async def test_starting_needs_reserved_materials(production_engine):
    po_id, *_ = await reserved_soap_order(production_engine)
    await operator.start(production_engine, po_id)

    with pytest.raises(IllegalTransition, match="is in_progress"):
        await operator.start(production_engine, po_id)
    with pytest.raises(IllegalTransition, match="is in_progress"):
        await operator.cancel(production_engine, po_id, reason=None)


@pytest.mark.parametrize(
    ("consumed", "message"),
    [
        ([Consumed("A", Decimal(9))], "lot {A} has only 8 l"),  # more than on hand
        ([Consumed("A", Decimal("8001"), "ml")], "lot {A} has only 8 l"),
        ([Consumed("B", Decimal(3))], "lot {B} has only 2 l"),  # the rest is held for others
        ([Consumed("NOPE", Decimal(1))], "unknown lot NOPE"),
        ([Consumed("A", Decimal(0))], "must be positive"),
        ([], "name the lots consumed"),
    ],
)
async def test_a_completion_stock_cannot_honour_is_refused_and_changes_nothing(
    production_engine, consumed, message
):
    po_id, _, lot_a, lot_b = await reserved_soap_order(production_engine)
    await operator.start(production_engine, po_id)
    before = await state(production_engine, po_id)
    names = {"A": lot_a, "B": lot_b, "NOPE": "NOPE"}
    record = operator.CompletionRecord(
        Decimal(10),
        consumed=[Consumed(names[c.lot_code], c.quantity, c.unit) for c in consumed],
    )

    with pytest.raises(CompletionRefused, match=message.format(A=lot_a, B=lot_b)):
        await operator.complete(production_engine, po_id, record)

    assert await state(production_engine, po_id) == before


async def test_a_non_positive_output_is_refused(production_engine):
    po_id, *_ = await reserved_soap_order(production_engine)
    await operator.start(production_engine, po_id)

    with pytest.raises(CompletionRefused, match="output quantity must be positive"):
        await operator.complete(production_engine, po_id, operator.CompletionRecord(Decimal(0)))


async def test_completion_defaults_to_the_held_lots_and_names_and_dates_the_output(
    production_engine,
):
    po_id, soap, lot_a, _ = await reserved_soap_order(production_engine)
    await operator.start(production_engine, po_id)

    completed = await operator.complete(
        production_engine,
        po_id,
        operator.CompletionRecord(Decimal(11), produced_on=date(2026, 11, 25)),
    )

    assert completed.output_lot_code == f"{soap}-P261125-{po_id.hex[:6]}"
    assert completed.expires_on == date(2027, 11, 25)
    assert [(c.lot_code, c.quantity) for c in completed.consumed] == [(lot_a, Quantity.of(5, "l"))]
    assert [d.quantity.value for d in completed.demands] == [Decimal(6), Decimal(3)]
    found, _ = await state(production_engine, po_id)
    assert (found["status"], found["output_quantity"], found["output_recorded_at"]) == (
        "completed",
        Decimal(11),
        None,
    )
    async with production_engine.connect() as conn:
        types = (
            await conn.scalars(
                sa.select(t.OUTBOX.c.event_type)
                .where(t.OUTBOX.c.key == str(po_id))
                .order_by(t.OUTBOX.c.id.desc())
                .limit(2)
            )
        ).all()
    assert types == [
        "production.production_order_status_changed",
        "production.production_completed",
    ]


async def test_a_completion_carries_its_run_time_and_the_line_rate_for_costing(production_engine):
    line = code("LINE")
    await lines.define_line(
        production_engine,
        lines.NewLine(
            line,
            "Soap line",
            "IT",
            None,
            frozenset({0, 1, 2, 3, 4}),
            Decimal(8),
            frozenset(),
            cost_per_minute=Decimal("0.45"),
        ),
    )
    po_id, *_ = await reserved_soap_order(production_engine, line_code=line)
    await operator.start(production_engine, po_id)

    completed = await operator.complete(
        production_engine, po_id, operator.CompletionRecord(Decimal(9), run_minutes=42)
    )

    assert (completed.run_minutes, completed.cost_per_minute) == (42, Money.of("0.45", "EUR"))
    async with production_engine.connect() as conn:
        recorded = await conn.scalar(
            sa.select(t.production_order.c.run_minutes).where(t.production_order.c.id == po_id)
        )
    assert recorded == 42
    # A recipe with no line and a completion with no run time add no labour.
    plain, *_ = await reserved_soap_order(production_engine)
    await operator.start(production_engine, plain)
    bare = await operator.complete(production_engine, plain, operator.CompletionRecord(Decimal(9)))
    assert (bare.run_minutes, bare.cost_per_minute) == (None, None)


async def test_a_completed_run_time_is_corrected_and_announced_with_the_line_rate(
    production_engine,
):
    line = code("LINE")
    await lines.define_line(
        production_engine,
        lines.NewLine(
            line,
            "Soap line",
            "IT",
            None,
            frozenset({0, 1, 2, 3, 4}),
            Decimal(8),
            frozenset(),
            cost_per_minute=Decimal("0.45"),
        ),
    )
    po_id, *_ = await reserved_soap_order(production_engine, line_code=line)
    with pytest.raises(run_corrections.NotCompleted, match="is materials_reserved"):
        await run_corrections.correct_run_time(
            production_engine, po_id, run_minutes=50, reason=None
        )
    await operator.start(production_engine, po_id)
    completed = await operator.complete(
        production_engine, po_id, operator.CompletionRecord(Decimal(9), run_minutes=42)
    )

    corrected = await run_corrections.correct_run_time(
        production_engine, po_id, run_minutes=50, reason="the line's log"
    )
    again = await run_corrections.correct_run_time(
        production_engine, po_id, run_minutes=50, reason=None
    )

    assert corrected is not None and again is None
    assert (corrected.previous_run_minutes, corrected.run_minutes) == (42, 50)
    assert corrected.cost_per_minute == Money.of("0.45", "EUR")
    assert corrected.output_lot_code == completed.output_lot_code
    assert corrected.aggregate_key() == completed.aggregate_key()  # it follows the completion
    async with production_engine.connect() as conn:
        recorded = await conn.scalar(
            sa.select(t.production_order.c.run_minutes).where(t.production_order.c.id == po_id)
        )
        staged = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.OUTBOX)
            .where(
                t.OUTBOX.c.key == str(po_id),
                t.OUTBOX.c.event_type == "production.run_time_corrected",
            )
        )
    assert (recorded, staged) == (50, 1)


async def test_a_rejected_completion_goes_back_in_progress_and_a_recorded_one_keeps_its_lot(
    production_engine,
):
    po_id, soap, lot_a, _ = await reserved_soap_order(production_engine)
    await operator.start(production_engine, po_id)
    record = operator.CompletionRecord(Decimal(10), output_lot_code=f"{soap}-X")
    await operator.complete(production_engine, po_id, record)

    rejected = ProductionRejected(production_order_id=po_id, reason=f"lot {lot_a} has only 4 l")
    await apply_once(
        production_engine,
        inventory_answers.when_production_rejected,
        Envelope.wrap(rejected),
        rejected,
    )
    found, _ = await state(production_engine, po_id)
    assert found["status"] == "in_progress"
    assert found["reason"] == f"completion rejected by inventory: lot {lot_a} has only 4 l"
    assert (found["output_lot_code"], found["consumed"]) == (None, [])

    completed = await operator.complete(production_engine, po_id, record)
    recorded = ProductionRecorded(
        production_order_id=po_id,
        item_code=soap,
        output_lot_code=completed.output_lot_code,
        output=completed.output,
        produced_on=completed.produced_on,
        consumed=completed.consumed,
        allocations=(),
    )
    await apply_once(
        production_engine,
        inventory_answers.when_production_recorded,
        Envelope.wrap(recorded),
        recorded,
    )
    found, _ = await state(production_engine, po_id)
    assert (found["status"], found["output_lot_code"]) == ("completed", f"{soap}-X")
    assert found["output_recorded_at"] is not None


async def test_held_lots_complete_even_before_their_snapshot_reaches_production(
    production_engine,
):
    po_id, *_ = await reserved_soap_order(production_engine)
    fresh = code("OIL-LOT")
    reserved = MaterialsReserved(
        production_order_id=po_id,
        reservations=(
            MaterialLot(item_code=code("OIL"), lot_code=fresh, quantity=Quantity.of("5", "l")),
        ),
    )
    await apply_once(
        production_engine,
        inventory_answers.when_materials_reserved,
        Envelope.wrap(reserved),
        reserved,
    )
    await operator.start(production_engine, po_id)

    completed = await operator.complete(
        production_engine, po_id, operator.CompletionRecord(Decimal(10))
    )

    assert [(c.lot_code, c.quantity) for c in completed.consumed] == [(fresh, Quantity.of(5, "l"))]
    too_much = operator.CompletionRecord(Decimal(10), consumed=[Consumed(fresh, Decimal(6))])
    rejected = ProductionRejected(production_order_id=po_id, reason="test")
    await apply_once(
        production_engine,
        inventory_answers.when_production_rejected,
        Envelope.wrap(rejected),
        rejected,
    )
    with pytest.raises(CompletionRefused, match=f"lot {fresh} has only 5 l"):
        await operator.complete(production_engine, po_id, too_much)
