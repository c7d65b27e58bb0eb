"""Composition root of the connectors service: ``python -m services.connectors``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import (
    api,
    handlers,
    imports_api,
    inventory_handlers,
    manual_orders,
    manual_orders_api,
    service,
    sku_mappings,
    stock_sync_api,
    wholesale_csv,
    write_back,
)
from services.connectors.config import (
    StockPushSettings,
    WriteBackSettings,
    get_connectors_settings,
)
from services.connectors.stock_push_worker import StockPushWorker
from services.connectors.worker import WriteBackWorker
from shared.http import install_error_handlers
from shared.messaging import EventSubscriber
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


class _Wake:
    """Lets the subscribers, built before the worker exists, wake it."""

    worker: WriteBackWorker | None = None

    def __call__(self) -> None:
        if self.worker is not None:
            self.worker.wake()


def _subscribe_all(
    subscriber: EventSubscriber,
    broker: KafkaBroker,
    engine: AsyncEngine,
    *,
    on_staged: Callable[[], None],
) -> None:
    handlers.register(subscriber, broker, engine, on_staged=on_staged)
    inventory_handlers.register(subscriber, broker, engine)  # items, stock push (issue 4)


def create_app(
    settings: Settings | None = None,
    *,
    write_backs: WriteBackSettings | None = None,
    stock_push: StockPushSettings | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    write_backs = write_backs or get_connectors_settings().write_back
    wake = _Wake()
    runtime = ServiceRuntime(
        "connectors",
        settings,
        migrations_dir=MIGRATIONS,
        subscriptions=partial(_subscribe_all, on_staged=wake),
    )
    worker = wake.worker = WriteBackWorker(runtime.engine, write_backs)
    runtime.add_worker(worker)
    stock_push = stock_push or get_connectors_settings().stock_push
    runtime.add_worker(StockPushWorker(runtime.engine, stock_push, write_backs))
    app = FastAPI(title="Lotline connectors", version="0.1.0", lifespan=runtime.lifespan)
    app.state.runtime = runtime
    app.state.write_back_worker = worker
    app.include_router(api.router)
    app.include_router(manual_orders_api.router)
    app.include_router(imports_api.router)
    app.include_router(stock_sync_api.router)
    install_error_handlers(
        app,
        not_found=(
            service.UnknownShop,
            write_back.UnknownWriteBack,
            sku_mappings.UnknownSkuMapping,
        ),
        conflict=(service.ShopExists, write_back.NotReplayable, manual_orders.IdempotencyConflict),
        invalid=(manual_orders.InvalidManualOrder, wholesale_csv.UnreadableFile),
    )
    return app
