"""Composition root of the connectors service: ``python -m services.connectors``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware

from services.connectors import api, gauges, handlers, inventory_handlers, service, sku_mappings
from services.connectors.amazon import api as amazon_api
from services.connectors.amazon import service as amazon_service
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.worker import AmazonNotificationWorker, AmazonPollWorker
from services.connectors.channels import registry
from services.connectors.channels.registry import Channels
from services.connectors.config import (
    OutboundWebhookSettings,
    ShopifySyncSettings,
    StockPushSettings,
    WriteBackSettings,
    get_connectors_settings,
)
from services.connectors.direct_orders import (
    imports_api,
    manual_orders,
    manual_orders_api,
    wholesale_csv,
)
from services.connectors.etsy import api as etsy_api
from services.connectors.etsy import service as etsy_service
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.worker import EtsyPollWorker
from services.connectors.outbound_webhooks import deliveries as webhook_deliveries
from services.connectors.outbound_webhooks import repository as webhook_repository
from services.connectors.outbound_webhooks import subscribers as webhook_subscribers
from services.connectors.outbound_webhooks import subscriptions as webhook_subscriptions
from services.connectors.outbound_webhooks import webhooks_api
from services.connectors.outbound_webhooks.webhook_worker import OutboundWebhookWorker
from services.connectors.shopify import reconciliation, sync_api, sync_repository
from services.connectors.shopify.delivery_worker import DeliveryWorker
from services.connectors.stock_push import stock_sync_api
from services.connectors.stock_push.stock_push_worker import StockPushWorker
from services.connectors.woocommerce import api as woocommerce_api
from services.connectors.woocommerce.reconciliation import WooReconciliationWorker
from services.connectors.write_back import shipped_orders
from services.connectors.write_back.write_back_worker import WriteBackWorker
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
    channels: Channels | None = None,
) -> None:
    handlers.register(subscriber, broker, engine, on_staged=on_staged, channels=channels)
    inventory_handlers.register(subscriber, broker, engine)  # items, stock push (issue 4)
    webhook_subscribers.register(subscriber, broker, engine)  # outbound webhooks (issue 17)


def create_app(
    settings: Settings | None = None,
    *,
    write_backs: WriteBackSettings | None = None,
    etsy: EtsySettings | None = None,
    shopify_sync: ShopifySyncSettings | None = None,
    stock_push: StockPushSettings | None = None,
    outbound_webhooks: OutboundWebhookSettings | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    write_backs = write_backs or get_connectors_settings().write_back
    etsy = etsy or get_connectors_settings().etsy
    channels = registry.build(get_connectors_settings().model_copy(update={"etsy": etsy}))
    wake = _Wake()
    runtime = ServiceRuntime(
        "connectors",
        settings,
        migrations_dir=MIGRATIONS,
        subscriptions=partial(_subscribe_all, on_staged=wake, channels=channels),
    )
    worker = wake.worker = WriteBackWorker(runtime.engine, write_backs, channels=channels)
    runtime.add_worker(worker)
    # Etsy block: receipts polled by a worker of their own, woken by order.paid webhooks.
    etsy_poller = EtsyPollWorker(runtime.engine, etsy, write_backs)
    runtime.add_worker(etsy_poller)
    stock_push = stock_push or get_connectors_settings().stock_push
    runtime.add_worker(StockPushWorker(runtime.engine, stock_push, write_backs, channels=channels))
    app = FastAPI(title="Lotline connectors", version="0.1.0", lifespan=runtime.lifespan)
    runtime.install(app)
    runtime.metrics.add(*gauges.probes(runtime.engine))
    runtime.retention.add(sync_repository.DONE_DELIVERIES)
    app.state.write_back_worker = worker
    # a signed webhook larger than this is kept dead, not processed (shopify/deliveries.py)
    app.state.max_processed_webhook_bytes = settings.requests.max_body_bytes
    app.include_router(api.router)
    app.include_router(manual_orders_api.router)
    app.include_router(imports_api.router)
    app.state.etsy_settings = etsy
    app.state.etsy_retries = write_backs
    app.state.etsy_poll_worker = etsy_poller
    app.include_router(etsy_api.router)
    app.include_router(stock_sync_api.router)
    # WooCommerce: webhooks applied as they come, a reconciliation worker of its own.
    woocommerce = get_connectors_settings().woocommerce
    runtime.add_worker(WooReconciliationWorker(runtime.engine, woocommerce, write_backs))
    app.state.woocommerce_settings = woocommerce
    app.state.woocommerce_retries = write_backs
    app.include_router(woocommerce_api.router)
    _add_amazon(app, runtime, get_connectors_settings().amazon, write_backs)
    _add_shopify_sync(app, runtime, shopify_sync or get_connectors_settings().shopify_sync)
    _add_outbound_webhooks(
        app, runtime, outbound_webhooks or get_connectors_settings().outbound_webhooks
    )
    install_error_handlers(
        app,
        not_found=(
            service.UnknownShop,
            shipped_orders.UnknownWriteBack,
            sku_mappings.UnknownSkuMapping,
            sync_api.UnknownDelivery,
            reconciliation.ShopToReconcileNotFound,
            webhook_subscriptions.UnknownSubscription,
            webhook_deliveries.UnknownDelivery,
        ),
        conflict=(
            service.ShopExists,
            shipped_orders.NotReplayable,
            manual_orders.IdempotencyConflict,
            sync_api.DeliveryNotReplayable,
            reconciliation.CannotReconcile,
            webhook_deliveries.NotReplayable,
        ),
        invalid=(
            sku_mappings.InvalidMappingKey,
            manual_orders.InvalidManualOrder,
            wholesale_csv.UnreadableFile,
            etsy_service.AuthorizationFailed,
            amazon_service.UnknownRegion,
            webhook_subscriptions.InvalidSubscription,
        ),
        unavailable=(
            etsy_service.NotConfigured,
            etsy_service.PollFailed,
            amazon_service.PollFailed,
        ),
    )
    # innermost: the hottest route answered without FastAPI's router (api.ShopifyWebhooks)
    app.user_middleware.append(
        Middleware(api.ShopifyWebhooks, route=api.shopify_webhook_route(api.router.routes))
    )
    return app


def _add_amazon(
    app: FastAPI, runtime: ServiceRuntime, settings: AmazonSettings, retries: WriteBackSettings
) -> None:
    """Issue 19: Amazon sellers, their poll worker and routes."""
    runtime.add_worker(AmazonPollWorker(runtime.engine, settings, retries))
    runtime.add_worker(AmazonNotificationWorker(runtime.engine, settings, retries))
    app.state.amazon_settings = settings
    app.state.amazon_retries = retries
    app.include_router(amazon_api.router)


def _add_shopify_sync(app: FastAPI, runtime: ServiceRuntime, settings: ShopifySyncSettings) -> None:
    """Issue 4: the webhook inbox worker, the reconciliation schedule and their routes."""
    deliveries = DeliveryWorker(runtime.engine, settings)
    runtime.add_worker(deliveries)
    runtime.add_worker(reconciliation.ReconciliationWorker(runtime.engine, settings))
    app.state.shopify_sync = settings
    app.state.shopify_delivery_worker = deliveries
    app.include_router(sync_api.router)


def _add_outbound_webhooks(
    app: FastAPI, runtime: ServiceRuntime, settings: OutboundWebhookSettings
) -> None:
    """Issue 17, section 4: signed outbound webhooks, their worker and routes."""
    worker = OutboundWebhookWorker(runtime.engine, settings)
    runtime.add_worker(worker)
    runtime.retention.add(webhook_repository.DONE_DELIVERIES)
    app.state.outbound_webhooks = settings
    app.state.outbound_webhook_worker = worker
    app.include_router(webhooks_api.router)
