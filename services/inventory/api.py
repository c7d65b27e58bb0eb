"""Inventory HTTP API: items, lots (goods receipt), stock, reservations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from services.inventory.errors import InventoryError, NotFound
from services.inventory.replenishment import make_to_stock, purchase_orders
from services.inventory.replenishment.replenishment_rules import SuggestionStatus
from services.inventory.reservations import reservation_repository, shelf_life
from services.inventory.reservations.domain import LotFigures, lot_status, stock_figures
from services.inventory.reservations.shelf_life_rules import InvalidRule, Scope, ShelfLifeRule
from services.inventory.schemas import (
    DismissIn,
    ItemIn,
    ItemOut,
    LotIn,
    LotOut,
    PurchaseOrderCancelIn,
    PurchaseOrderIn,
    PurchaseOrderOut,
    ReceiptIn,
    ReceiptOut,
    RecostedOut,
    ReorderPointIn,
    ReorderPointOut,
    ReservationOut,
    ShelfLifeRuleIn,
    ShelfLifeRuleOut,
    StockOut,
    SuggestionOut,
)
from services.inventory.stock import item_repository, lot_repository, receipts, recosting
from shared.contracts.inventory import LotStatus, PurchaseOrderStatus
from shared.runtime import engine_of
from shared.units import Money, Quantity

router = APIRouter(prefix="/api", tags=["inventory"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]
# Lists answer a page at a time; the default is wide because they answered everything before.
Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many")]
Offset = Annotated[int, Query(ge=0, description="skip this many first")]
DEFAULT_PAGE = 500


@router.post("/items", status_code=status.HTTP_201_CREATED, response_model=ItemOut)
async def create_item(body: ItemIn, engine: Engine) -> ItemIn:
    await service.create_item(engine, service.NewItem(**body.model_dump(mode="python")))
    return body


@router.get("/items", response_model=list[ItemOut])
async def list_items(
    engine: Engine,
    limit: Limit = DEFAULT_PAGE,
    offset: Offset = 0,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ItemOut]:
    """Every item by code; ``q``: part of its name or code, in any case."""
    async with engine.connect() as conn:
        rows = await item_repository.list_items(conn, limit=limit, offset=offset, q=q)
    return [ItemOut.model_validate(row._asdict()) for row in rows]


@router.get("/items/{code}", response_model=ItemOut)
async def get_item(code: str, engine: Engine) -> ItemOut:
    async with engine.connect() as conn:
        row = await item_repository.get_item(conn, code)
    if row is None:
        raise NotFound(f"unknown item {code}")
    return ItemOut.model_validate(row._asdict())


@router.post("/lots", status_code=status.HTTP_201_CREATED, response_model=LotOut)
async def receive_lot(body: LotIn, engine: Engine) -> LotOut:
    lot_id = await service.receive_lot(engine, service.NewLot(**body.model_dump(mode="python")))
    return LotOut(
        id=lot_id,
        lot_code=body.lot_code,
        item_code=body.item_code,
        unit=body.unit,
        on_hand=body.quantity,
        reserved=Decimal(0),
        available=body.quantity,
        status=LotStatus.AVAILABLE,
        expires_on=body.expires_on,
    )


@router.get("/lots", response_model=list[LotOut])
async def list_lots(
    engine: Engine,
    item_code: str | None = None,
    blocked: bool | None = None,
    limit: Limit = DEFAULT_PAGE,
    offset: Offset = 0,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[LotOut]:
    """``blocked=true``: the quarantined lots (recalled, restocked to quarantine); ``q``:
    the start of a lot code or of a supplier's lot code, in any case."""
    async with engine.connect() as conn:
        rows = await lot_repository.list_lots(
            conn, item_code=item_code, blocked=blocked, limit=limit, offset=offset, q=q
        )
    return [_lot_out(r) for r in rows]


def _lot_out(r: Any) -> LotOut:
    """A blocked or quarantined lot shows nothing available, whatever it holds."""
    status = lot_status(blocked=r.blocked_by_recall is not None, quarantined=r.quarantined)
    figures = stock_figures([LotFigures(status, r.on_hand, r.reserved)])
    return LotOut(
        id=r.id,
        lot_code=r.lot_code,
        item_code=r.item_code,
        unit=r.unit,
        on_hand=r.on_hand,
        reserved=r.reserved,
        available=figures.available,
        blocked=figures.blocked,
        status=status,
        expires_on=r.expires_on,
        blocked_reason=r.blocked_reason,
        unit_cost=r.unit_cost,
        unit_cost_currency=r.unit_cost_currency,
    )


@router.get("/stock", response_model=list[StockOut])
async def stock(
    engine: Engine,
    item_code: str | None = None,
    limit: Limit = DEFAULT_PAGE,
    offset: Offset = 0,
) -> list[StockOut]:
    """``available`` leaves blocked and quarantined lots out; their free stock is ``blocked``."""
    async with engine.connect() as conn:
        rows = await lot_repository.stock_by_item(
            conn, item_code=item_code, limit=limit, offset=offset
        )
    return [
        StockOut(
            item_code=item.code,
            unit=item.base_unit,
            on_hand=figures.on_hand,
            reserved=figures.reserved,
            available=figures.available,
            blocked=figures.blocked,
        )
        for item, figures in rows
    ]


@router.get("/reservations", response_model=list[ReservationOut])
async def reservations(order_id: UUID, engine: Engine) -> list[ReservationOut]:
    async with engine.connect() as conn:
        rows = await reservation_repository.reservations_of(conn, order_id)
    return [
        ReservationOut(
            order_id=r.order_id,
            line_no=r.line_no,
            lot_code=r.lot_code,
            item_code=r.item_code,
            quantity=r.quantity,
            unit=r.unit,
        )
        for r in rows
    ]


@router.post("/lots/{lot_code}/cost", response_model=list[RecostedOut])
async def correct_receipt_cost(lot_code: str, body: Money, engine: Engine) -> list[RecostedOut]:
    """A received lot's corrected cost (the whole lot, e.g. from a late supplier invoice): its
    unit cost and every lot made from it are re-costed and announced (``lot_cost_changed``)."""
    changed = await recosting.correct_receipt_cost(engine, lot_code, body)
    return [
        RecostedOut(
            lot_code=c.lot_code, unit_cost=c.unit_cost, previous_unit_cost=c.previous_unit_cost
        )
        for c in changed
    ]


@router.post("/receipts", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
async def receive_goods(body: ReceiptIn, engine: Engine) -> ReceiptOut:
    """Goods receipt of a supplier lot; it gets our own lot code and unblocks waiting batches."""
    received = await receipts.receive_goods(
        engine,
        receipts.GoodsReceipt(
            item_code=body.item_code,
            quantity=Quantity.of(body.quantity, body.unit),
            supplier=body.supplier,
            supplier_lot_code=body.supplier_lot_code,
            received_on=body.received_on or datetime.now(UTC).date(),
            expires_on=body.expires_on,
            cost=body.cost,
            purchase_order_id=body.purchase_order_id,
        ),
    )
    return ReceiptOut(
        lot_id=received.lot_id,
        lot_code=received.lot_code,
        item_code=body.item_code,
        quantity=received.quantity.value,
        unit=received.quantity.unit,
        expires_on=received.expires_on,
        supplier=body.supplier,
        supplier_lot_code=body.supplier_lot_code,
    )


@router.get("/ledger/mismatches")
async def ledger_mismatches(engine: Engine) -> list[dict[str, str]]:
    """Lots whose on-hand is not the sum of their movements: always empty (invariant 3)."""
    async with engine.connect() as conn:
        rows = await lot_repository.ledger_mismatches(conn)
    return [
        {"lot_code": r.lot_code, "on_hand": str(r.on_hand), "movements": str(r.total)} for r in rows
    ]


@router.post(
    "/purchase-orders", status_code=status.HTTP_201_CREATED, response_model=PurchaseOrderOut
)
async def place_purchase_order(body: PurchaseOrderIn, engine: Engine) -> PurchaseOrderOut:
    """A purchase order to a supplier; production plans with its expected date."""
    record = await purchase_orders.place(
        engine,
        purchase_orders.NewPurchaseOrder(
            item_code=body.item_code,
            quantity=Quantity.of(body.quantity, body.unit),
            supplier=body.supplier,
            expected_on=body.expected_on,
            ordered_on=datetime.now(UTC).date(),
        ),
    )
    return PurchaseOrderOut.model_validate(record)


@router.get("/purchase-orders", response_model=list[PurchaseOrderOut])
async def list_purchase_orders(
    engine: Engine,
    item_code: str | None = None,
    status: PurchaseOrderStatus | None = None,
    limit: Limit = DEFAULT_PAGE,
    offset: Offset = 0,
) -> list[PurchaseOrderOut]:
    records = await purchase_orders.list_records(
        engine, item_code=item_code, status=status, limit=limit, offset=offset
    )
    return [PurchaseOrderOut.model_validate(r) for r in records]


@router.get("/purchase-orders/{purchase_order_id}", response_model=PurchaseOrderOut)
async def get_purchase_order(purchase_order_id: UUID, engine: Engine) -> PurchaseOrderOut:
    return PurchaseOrderOut.model_validate(
        await purchase_orders.get_record(engine, purchase_order_id)
    )


@router.post("/purchase-orders/{purchase_order_id}/cancel", response_model=PurchaseOrderOut)
async def cancel_purchase_order(
    purchase_order_id: UUID, engine: Engine, body: PurchaseOrderCancelIn | None = None
) -> PurchaseOrderOut:
    """Only an open order; what was received stays received. 409 otherwise."""
    record = await purchase_orders.cancel(engine, purchase_order_id, body.reason if body else None)
    return PurchaseOrderOut.model_validate(record)


@router.put("/reorder-points/{item_code}", response_model=ReorderPointOut)
async def set_reorder_point(
    item_code: str, body: ReorderPointIn, engine: Engine
) -> ReorderPointOut:
    """Min/max for make-to-stock; stock already under the reorder point raises a suggestion."""
    record = await make_to_stock.set_reorder_point(
        engine,
        item_code,
        reorder_point=body.reorder_point,
        target=body.target,
        unit=body.unit,
        pack_size=body.pack_size,
    )
    return ReorderPointOut.model_validate(record)


@router.get("/reorder-points", response_model=list[ReorderPointOut])
async def list_reorder_points(engine: Engine) -> list[ReorderPointOut]:
    return [
        ReorderPointOut.model_validate(r) for r in await make_to_stock.list_reorder_points(engine)
    ]


def _shelf_life_out(rule: ShelfLifeRule) -> ShelfLifeRuleOut:
    return ShelfLifeRuleOut(
        scope=rule.scope.value,
        key=rule.key,
        min_days=rule.min_days,
        min_fraction=None if rule.min_fraction is None else str(rule.min_fraction),
        needs=rule.needs,
    )


@router.put("/shelf-life-rules/{scope}/{key}", response_model=ShelfLifeRuleOut)
async def set_shelf_life_rule(
    scope: Scope, key: str, body: ShelfLifeRuleIn, engine: Engine
) -> ShelfLifeRuleOut:
    """Minimum remaining shelf life for a channel (``shopify``, ``wholesale``…) or a customer
    (e-mail, or the wholesale customer's name); a customer's rule wins over its channel's.
    Orders reserved from now on follow it; orders already reserved keep theirs."""
    try:
        rule = shelf_life.new_rule(
            scope, key, min_days=body.min_days, min_fraction=body.min_fraction
        )
    except InvalidRule as error:
        raise InventoryError(str(error)) from error
    return _shelf_life_out(await shelf_life.set_rule(engine, rule))


@router.get("/shelf-life-rules", response_model=list[ShelfLifeRuleOut])
async def list_shelf_life_rules(engine: Engine) -> list[ShelfLifeRuleOut]:
    return [_shelf_life_out(r) for r in await shelf_life.list_rules(engine)]


@router.delete("/shelf-life-rules/{scope}/{key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_shelf_life_rule(scope: Scope, key: str, engine: Engine) -> None:
    """404 when that channel or customer has no rule."""
    try:
        await shelf_life.delete_rule(engine, scope, key)
    except InvalidRule as error:
        raise InventoryError(str(error)) from error


@router.get("/suggestions", response_model=list[SuggestionOut])
async def list_suggestions(
    engine: Engine,
    status: SuggestionStatus | None = None,
    limit: Limit = DEFAULT_PAGE,
    offset: Offset = 0,
) -> list[SuggestionOut]:
    records = await make_to_stock.list_suggestions(
        engine, status=status, limit=limit, offset=offset
    )
    return [SuggestionOut.model_validate(r) for r in records]


@router.post("/suggestions/{suggestion_id}/accept", response_model=SuggestionOut)
async def accept_suggestion(suggestion_id: UUID, engine: Engine) -> SuggestionOut:
    """Bought item: a purchase order (``reference``); made item: a production order with
    that id, planned by production. 409 when not open."""
    return SuggestionOut.model_validate(await make_to_stock.accept(engine, suggestion_id))


@router.post("/suggestions/{suggestion_id}/dismiss", response_model=SuggestionOut)
async def dismiss_suggestion(
    suggestion_id: UUID, engine: Engine, body: DismissIn | None = None
) -> SuggestionOut:
    record = await make_to_stock.dismiss(engine, suggestion_id, body.reason if body else None)
    return SuggestionOut.model_validate(record)
