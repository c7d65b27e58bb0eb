"""Connectors HTTP API: Shopify webhooks in; shops and SKU mappings managed; write-backs
to the channels inspected and replayed by an operator."""

from __future__ import annotations

import inspect
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.connectors import repository, service, sku_mappings
from services.connectors.schemas import (
    ShopIn,
    ShopOut,
    ShopPatch,
    SkuMappingIn,
    SkuMappingOut,
    WebhookAnswer,
    WriteBackOut,
    WriteBackStatus,
)
from services.connectors.shopify import deliveries
from services.connectors.shopify.admin import default_admin_url
from services.connectors.shopify.orders import CHANNEL as SHOPIFY
from services.connectors.write_back import shipped_orders
from shared import encryption
from shared.runtime import engine_of

router = APIRouter(tags=["connectors"])
SHOPIFY_WEBHOOK_PATH = "/webhooks/shopify"
Engine = Annotated[AsyncEngine, Depends(engine_of)]


@router.post(SHOPIFY_WEBHOOK_PATH, response_model=WebhookAnswer)
async def shopify_webhook(request: Request, engine: Engine) -> JSONResponse:
    """Accept a Shopify webhook: 401 bad signature, 410 uninstalled shop, 400 bad body,
    200 accepted (stored, processed asynchronously) or duplicate."""
    return await accept_shopify_webhook(request, engine)


async def accept_shopify_webhook(request: Request, engine: AsyncEngine) -> JSONResponse:
    """The webhook endpoint's work, also run without the router by ``ShopifyWebhooks``."""
    headers = request.headers
    delivery = service.ShopifyDelivery(
        body=await request.body(),
        shop=headers.get("x-shopify-shop-domain"),
        topic=headers.get("x-shopify-topic"),
        hmac=headers.get("x-shopify-hmac-sha256"),
        webhook_id=headers.get("x-shopify-webhook-id"),
        event_id=headers.get("x-shopify-event-id"),
    )
    try:
        limit = getattr(request.app.state, "max_processed_webhook_bytes", None)
        outcome = await deliveries.accept(engine, delivery, max_bytes=limit)
    except service.WebhookRejected as rejected:
        return JSONResponse(status_code=rejected.status, content={"detail": rejected.reason})
    request.app.state.shopify_delivery_worker.wake()
    return JSONResponse(status_code=200, content={"status": outcome.value})


def _shop_out(row: Any) -> ShopOut:
    url = row.admin_api_url
    if url is None and row.channel == SHOPIFY:
        url = default_admin_url(row.domain)
    return ShopOut(
        domain=row.domain,
        channel=row.channel,
        created_at=row.created_at,
        admin_api_url=url,
        has_access_token=bool(row.access_token),
        access_token_hint=encryption.hint(row.access_token),
        notify_customer=row.notify_customer,
        restock_to=row.restock_to,
        test_orders_live=row.test_orders_live,
        uninstalled_at=row.uninstalled_at,
    )


def _admin_values(body: ShopIn | ShopPatch) -> dict[str, Any]:
    """The Admin API fields the request sent (a PATCH changes only those)."""
    values: dict[str, Any] = {}
    sent = body.model_fields_set
    if "admin_api_url" in sent:
        values["admin_api_url"] = body.admin_api_url
    if "access_token" in sent:
        token = body.access_token
        values["access_token"] = token.get_secret_value() if token is not None else None
    if "notify_customer" in sent and body.notify_customer is not None:
        values["notify_customer"] = body.notify_customer
    if "restock_to" in sent and body.restock_to is not None:
        values["restock_to"] = body.restock_to
    if "test_orders_live" in sent and body.test_orders_live is not None:
        values["test_orders_live"] = body.test_orders_live
    return values


@router.post("/api/shops", status_code=status.HTTP_201_CREATED, response_model=ShopOut)
async def register_shop(body: ShopIn, engine: Engine) -> ShopOut:
    row = await service.register_shop(
        engine,
        domain=body.domain,
        channel=body.channel,
        secret=body.webhook_secret.get_secret_value(),
        admin=_admin_values(body),
    )
    return _shop_out(row)


@router.patch("/api/shops/{domain}", response_model=ShopOut)
async def update_shop(domain: str, body: ShopPatch, engine: Engine) -> ShopOut:
    """Set the shop's Admin API URL, access token or notifyCustomer; 404 unknown shop."""
    return _shop_out(await service.update_shop(engine, domain, _admin_values(body)))


@router.get("/api/shops", response_model=list[ShopOut])
async def list_shops(engine: Engine) -> list[ShopOut]:
    async with engine.connect() as conn:
        rows = await repository.list_shops(conn)
    return [_shop_out(r) for r in rows]


@router.put("/api/shops/{domain}/sku-mappings/{sku}", response_model=SkuMappingOut)
async def map_sku(domain: str, sku: str, body: SkuMappingIn, engine: Engine) -> SkuMappingOut:
    """Create or change a mapping of a SKU, or of ``variant:<id>`` / ``product:<id>`` /
    ``listing:<id>`` for lines without one; held orders keyed so are then released (orders).
    422 for such a key whose id is not a number."""
    await sku_mappings.set_mapping(engine, domain=domain, sku=sku, item_code=body.item_code)
    return SkuMappingOut(sku=sku, item_code=body.item_code)


@router.delete("/api/shops/{domain}/sku-mappings/{sku}", status_code=status.HTTP_204_NO_CONTENT)
async def unmap_sku(domain: str, sku: str, engine: Engine) -> None:
    """404 unknown shop or mapping; later orders with this SKU are held again."""
    await sku_mappings.delete_mapping(engine, domain=domain, sku=sku)


@router.get("/api/shops/{domain}/sku-mappings", response_model=list[SkuMappingOut])
async def list_sku_mappings(
    domain: str,
    engine: Engine,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SkuMappingOut]:
    """By SKU, a page at a time (the default page is wide: it answered every one before)."""
    async with engine.connect() as conn:
        page = await repository.sku_mapping_page(conn, domain, limit=limit, offset=offset)
    return [SkuMappingOut(sku=sku, item_code=item_code) for sku, item_code in page]


@router.get("/api/write-backs", response_model=list[WriteBackOut])
async def list_write_backs(
    engine: Engine,
    status: WriteBackStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[WriteBackOut]:
    """Newest first; ``status=dead`` is the operator's to-do list."""
    rows = await shipped_orders.listing(engine, status=status, limit=limit, offset=offset)
    return [WriteBackOut.model_validate(r) for r in rows]


@router.get("/api/write-backs/{write_back_id}", response_model=WriteBackOut)
async def get_write_back(write_back_id: UUID, engine: Engine) -> WriteBackOut:
    return WriteBackOut.model_validate(await shipped_orders.find(engine, write_back_id))


@router.post("/api/write-backs/{write_back_id}/replay", response_model=WriteBackOut)
async def replay_write_back(write_back_id: UUID, request: Request, engine: Engine) -> WriteBackOut:
    """A dead write-back goes back to pending with its attempts reset; 409 when not dead."""
    row = await shipped_orders.replay(engine, write_back_id)
    request.app.state.write_back_worker.wake()
    return WriteBackOut.model_validate(row)


class ShopifyWebhooks:
    """``POST /webhooks/shopify`` answered straight from inside the middleware, without
    FastAPI's router and endpoint machinery (matching every route, solving the endpoint's
    dependencies, the exception middleware's own stack: about a sixth of the connectors'
    CPU per webhook, profiled). It sits innermost, so the body limit, the request log and
    metrics see the request as before; ``scope["route"]`` is the route the router would
    have chosen (the metrics' label), the work is the endpoint's own
    (``accept_shopify_webhook``), and an error it raises is answered by the app's exception
    handler for it, as the router's path would, or raised on to the server-error answer.
    Every other request goes down the usual stack."""

    def __init__(self, app: ASGIApp, *, route: BaseRoute) -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != SHOPIFY_WEBHOOK_PATH
        ):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        request = Request(scope, receive, send)
        try:
            answer: Response = await accept_shopify_webhook(request, await engine_of(request))
        except Exception as error:
            handler = _handler_for(scope["app"].exception_handlers, error)
            if handler is None:
                raise
            answered = handler(request, error)
            answer = await answered if inspect.isawaitable(answered) else answered
        await answer(scope, receive, send)


def _handler_for(handlers: dict[Any, Any], error: Exception) -> Any:
    """The app's handler for ``error``'s most specific class, as Starlette looks it up."""
    for cls in type(error).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


def shopify_webhook_route(routes: list[BaseRoute]) -> BaseRoute:
    """The router's route of ``POST /webhooks/shopify``."""
    for route in routes:
        if (
            isinstance(route, APIRoute)
            and route.path == SHOPIFY_WEBHOOK_PATH
            and "POST" in (route.methods or ())
        ):
            return route
    raise LookupError(SHOPIFY_WEBHOOK_PATH)
