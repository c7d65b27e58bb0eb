"""Production HTTP API: recipes, "can we make it?", and production orders with the
customer order lines they serve (navigable both ways) and the operator's actions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production.capacity import line_plan, lines
from services.production.production_orders import operator, planning, run_corrections, views
from services.production.production_orders.completion_rules import Consumed
from services.production.promise import quotes
from services.production.promise.term_rules import terms_for
from services.production.recipes import availability, recipe_book
from services.production.recipes.recipe_rules import RecipeLine
from services.production.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    CalendarOut,
    CancelIn,
    CapacityIn,
    CapacityOut,
    CapacityRangeIn,
    CombineIn,
    CompleteIn,
    LineIn,
    LineOut,
    LinePlanOut,
    ProductionOrderOut,
    QuoteIn,
    QuoteOut,
    RecipeIn,
    RecipeOut,
    RecipeVersionsOut,
    RunCorrectedOut,
    RunCorrectionIn,
    SplitIn,
    SplitOut,
)
from services.production.service import NotFound
from shared.contracts.production import ProductionStatus
from shared.runtime import engine_of
from shared.settings import PromiseSettings
from shared.units import Quantity

router = APIRouter(prefix="/api", tags=["production"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]


async def promise_terms_of(request: Request) -> PromiseSettings:
    """The deployment's promise terms (``create_app`` sets them); the defaults otherwise."""
    terms = getattr(request.app.state, "promise_terms", None)
    return terms if isinstance(terms, PromiseSettings) else PromiseSettings()


Terms = Annotated[PromiseSettings, Depends(promise_terms_of)]
DEFAULT_PAGE = 500  # every list answered everything before it had pages
MAX_PAGE = 1000


@router.post("/recipes", status_code=status.HTTP_201_CREATED, response_model=RecipeOut)
async def define_recipe(body: RecipeIn, engine: Engine) -> RecipeOut:
    """The item's next recipe version, active from now on. Items must be known to
    production (from inventory's ItemDefined events, a moment after they are created)."""
    new = recipe_book.NewRecipe(
        item_code=body.item_code,
        batch_size=body.batch_size,
        unit=body.unit,
        expected_yield=body.expected_yield,
        whole_batches=body.whole_batches,
        duration_minutes=body.duration_minutes,
        line_code=body.line_code,
        setup_minutes=body.setup_minutes,
        minutes_per_batch=body.minutes_per_batch,
        lines=tuple(RecipeLine(ln.item_code, ln.quantity, ln.unit) for ln in body.lines),
    )
    return RecipeOut.model_validate(await recipe_book.define_recipe(engine, new))


@router.get("/recipes", response_model=list[RecipeOut])
async def list_recipes(engine: Engine) -> list[RecipeOut]:
    return [RecipeOut.model_validate(r) for r in await recipe_book.list_active_recipes(engine)]


@router.get("/recipes/{item_code}", response_model=RecipeVersionsOut)
async def get_recipe(item_code: str, engine: Engine) -> RecipeVersionsOut:
    return RecipeVersionsOut.model_validate(await recipe_book.recipe_of(engine, item_code))


@router.post("/availability", response_model=AvailabilityOut)
async def check_availability(body: AvailabilityIn, engine: Engine) -> AvailabilityOut:
    """Explode the active recipe through every level against available stock."""
    result = await availability.check_availability(
        engine, body.item_code, Quantity.of(body.quantity, body.unit)
    )
    return AvailabilityOut.model_validate(availability.as_answer(result))


@router.post("/lines", status_code=status.HTTP_201_CREATED, response_model=LineOut)
async def define_line(body: LineIn, engine: Engine) -> LineOut:
    """A production line and its working calendar; 409 when the code is taken."""
    new = lines.NewLine(
        code=body.code,
        name=body.name,
        country=body.country,
        subdivision=body.subdivision,
        working_weekdays=frozenset(body.working_weekdays),
        hours_per_day=body.hours_per_day,
        closures=frozenset(body.closures),
        cost_per_minute=body.cost_per_minute,
        cost_currency=body.cost_currency.upper(),
    )
    return LineOut.model_validate(await lines.define_line(engine, new))


@router.get("/lines", response_model=list[LineOut])
async def list_lines(engine: Engine) -> list[LineOut]:
    return [LineOut.model_validate(r) for r in await lines.list_lines(engine)]


@router.get("/lines/plan", response_model=LinePlanOut, response_model_by_alias=True)
async def plan_of_lines(
    engine: Engine,
    from_: Annotated[date, Query(alias="from")],
    to: date,
) -> LinePlanOut:
    """Each line's capacity per day and where the open production orders land on it, as
    the promises schedule them today (at most 92 days)."""
    today = datetime.now(UTC).date()
    return LinePlanOut.model_validate(await line_plan.line_plan(engine, from_, to, today=today))


@router.put("/lines/{code}/capacity/{on}", response_model=CapacityOut)
async def set_capacity(code: str, on: date, body: CapacityIn, engine: Engine) -> CapacityOut:
    """The minutes the line has that day (0 for a breakdown), whatever its calendar says."""
    return CapacityOut.model_validate(await lines.set_capacity(engine, code, on, body.minutes))


@router.put("/lines/{code}/capacity", response_model=list[CapacityOut])
async def set_capacity_between(
    code: str, body: CapacityRangeIn, engine: Engine
) -> list[CapacityOut]:
    """The same minutes on every day from ``from`` to ``to`` (a breakdown of several days),
    in one change."""
    days = await lines.set_capacity_between(engine, code, body.from_, body.to, body.minutes)
    return [CapacityOut.model_validate(day) for day in days]


@router.get("/lines/{code}/calendar", response_model=CalendarOut)
async def line_calendar(
    code: str,
    engine: Engine,
    from_: Annotated[date, Query(alias="from")],
    to: date,
) -> CalendarOut:
    return CalendarOut.model_validate(await lines.calendar_of(engine, code, from_, to))


@router.post("/quotes", response_model=QuoteOut)
async def quote(body: QuoteIn, engine: Engine, settings: Terms) -> QuoteOut:
    """Capable to promise: the earliest delivery date and the step that sets it. Handling
    and transit are the shop's and the carrier service's, as a real order of that shop
    gets them, unless given. Reserves, stores and publishes nothing."""
    terms = terms_for(
        settings,
        channel=body.channel,
        shop=body.shop,
        service=body.carrier_service,
    )
    request = quotes.QuoteRequest(
        lines=tuple(quotes.QuoteLine(ln.item_code, ln.quantity, ln.unit) for ln in body.lines),
        handling_days=terms.handling_days if body.handling_days is None else body.handling_days,
        transit_days=terms.transit_days if body.transit_days is None else body.transit_days,
        per_line=body.per_line,
    )
    today = body.as_of or datetime.now(UTC).date()
    answer = await quotes.quote(engine, request, today=today)
    return QuoteOut.model_validate(quotes.as_answer(answer, request))


async def _production_order(engine: AsyncEngine, production_order_id: UUID) -> ProductionOrderOut:
    async with engine.connect() as conn:
        found = await views.find_production_orders(conn, ids=[production_order_id])
    if not found:
        raise NotFound(f"no production order {production_order_id}")
    return ProductionOrderOut.model_validate(found[0])


@router.get("/production-orders", response_model=list[ProductionOrderOut])
async def list_production_orders(
    engine: Engine,
    order_id: UUID | None = None,
    item_code: str | None = None,
    status: ProductionStatus | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0)] = 0,
    newest_first: bool = False,
) -> list[ProductionOrderOut]:
    """``order_id``: the batches serving that customer order, with the quantities; ``q``:
    what someone typed (its number ``MO-00042`` or ``42``, the start of its item code).
    Oldest first (``newest_first`` turns it), a page at a time (``limit``, ``offset``)."""
    async with engine.connect() as conn:
        rows = await views.find_production_orders(
            conn,
            order_id=order_id,
            item_code=item_code,
            status=status.value if status else None,
            q=q,
            limit=limit,
            offset=offset,
            newest_first=newest_first,
        )
    return [ProductionOrderOut.model_validate(r) for r in rows]


@router.get("/production-orders/{production_order_id}", response_model=ProductionOrderOut)
async def get_production_order(production_order_id: UUID, engine: Engine) -> ProductionOrderOut:
    return await _production_order(engine, production_order_id)


@router.post("/production-orders/combine", status_code=201, response_model=ProductionOrderOut)
async def combine(body: CombineIn, engine: Engine) -> ProductionOrderOut:
    new_id = await planning.combine(engine, body.production_order_ids)
    return await _production_order(engine, new_id)


@router.post("/production-orders/{production_order_id}/split", status_code=201)
async def split(production_order_id: UUID, body: SplitIn, engine: Engine) -> SplitOut:
    lines = [(d.order_id, d.line_no) for d in body.demands]
    new_id = await planning.split(engine, production_order_id, lines)
    return SplitOut(
        original=await _production_order(engine, production_order_id),
        split_off=await _production_order(engine, new_id),
    )


@router.post("/production-orders/{production_order_id}/replan", response_model=ProductionOrderOut)
async def replan(production_order_id: UUID, engine: Engine) -> ProductionOrderOut:
    await planning.replan(engine, production_order_id)
    return await _production_order(engine, production_order_id)


@router.post("/production-orders/{production_order_id}/start", response_model=ProductionOrderOut)
async def start(production_order_id: UUID, engine: Engine) -> ProductionOrderOut:
    await operator.start(engine, production_order_id)
    return await _production_order(engine, production_order_id)


@router.post("/production-orders/{production_order_id}/complete", response_model=ProductionOrderOut)
async def complete(
    production_order_id: UUID, body: CompleteIn, engine: Engine
) -> ProductionOrderOut:
    record = operator.CompletionRecord(
        output_quantity=body.output_quantity,
        unit=body.unit,
        produced_on=body.produced_on,
        output_lot_code=body.output_lot_code,
        run_minutes=body.run_minutes,
        consumed=None
        if body.consumed is None
        else [Consumed(c.lot_code, c.quantity, c.unit) for c in body.consumed],
    )
    await operator.complete(engine, production_order_id, record)
    return await _production_order(engine, production_order_id)


@router.patch("/production-orders/{production_order_id}/run", response_model=RunCorrectedOut)
async def correct_run(
    production_order_id: UUID, body: RunCorrectionIn, engine: Engine
) -> RunCorrectedOut:
    """Correct a completed run's recorded time: inventory re-costs its output lot (labour at
    the line's rate) and every lot made from it; orders' costs follow (409 when the
    production order is not completed)."""
    corrected = await run_corrections.correct_run_time(
        engine, production_order_id, run_minutes=body.run_minutes, reason=body.reason
    )
    if corrected is None:
        order = await _production_order(engine, production_order_id)
        return RunCorrectedOut(
            production_order_id=production_order_id,
            run_minutes=body.run_minutes,
            previous_run_minutes=body.run_minutes,
            output_lot_code=order.output_lot_code,
            changed=False,
        )
    return RunCorrectedOut(
        production_order_id=production_order_id,
        run_minutes=corrected.run_minutes,
        previous_run_minutes=corrected.previous_run_minutes,
        output_lot_code=corrected.output_lot_code,
        changed=True,
    )


@router.post("/production-orders/{production_order_id}/cancel", response_model=ProductionOrderOut)
async def cancel(
    production_order_id: UUID, engine: Engine, body: CancelIn | None = None
) -> ProductionOrderOut:
    await operator.cancel(engine, production_order_id, reason=body.reason if body else None)
    return await _production_order(engine, production_order_id)
