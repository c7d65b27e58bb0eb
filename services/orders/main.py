"""Composition root of the orders service: ``python -m services.orders``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.orders import api, domain, handlers, service
from services.orders.carriers import (
    CarrierNotConfigured,
    CarrierRejected,
    CarrierUnavailable,
    UnknownCarrier,
)
from services.orders.costs import costs_api
from services.orders.holds import holds, releases
from services.orders.notifications import MailSender, Status
from services.orders.promises import exceptions_api
from services.orders.reports import reports_api
from services.orders.shipments import ship_order as shipments
from services.orders.shipments import shipments_api
from services.orders.shipments.shipping import ShipmentRefused
from services.orders.tables import notification
from shared.http import install_error_handlers
from shared.observability.probes import count_where, dead_letters
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    runtime = ServiceRuntime(
        "orders", settings, migrations_dir=MIGRATIONS, subscriptions=handlers.register
    )
    runtime.add_worker(MailSender(runtime.engine, settings.mail))
    app = FastAPI(title="Lotline orders", version="0.1.0", lifespan=runtime.lifespan)
    runtime.install(app)
    mails_given_up = count_where(notification, notification.c.status == Status.FAILED)
    runtime.metrics.add(dead_letters(runtime.engine, {"mail": mails_given_up}))
    app.include_router(exceptions_api.router)  # before /api/orders/{order_id}
    app.include_router(reports_api.router)  # so is /api/orders/report
    app.include_router(costs_api.router)  # and /api/orders/costs
    app.include_router(api.router)
    app.include_router(shipments_api.router)
    install_error_handlers(
        app,
        not_found=(service.OrderNotFound, shipments.ShipmentNotFound, releases.HeldOrderNotFound),
        conflict=(domain.IllegalTransition, shipments.NotReadyToShip, holds.StillHeld),
        invalid=(
            ValueError,
            ShipmentRefused,
            UnknownCarrier,
            CarrierRejected,
            CarrierNotConfigured,
        ),
        unavailable=(CarrierUnavailable,),
    )
    return app
