"""Composition root of the trace service: ``python -m services.trace``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.trace import api, handlers
from services.trace.queries import UnknownStart
from services.trace.recall import AlreadyWithdrawn, UnknownRecall
from shared.http import install_error_handlers
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    runtime = ServiceRuntime(
        "trace", settings, migrations_dir=MIGRATIONS, subscriptions=handlers.register
    )
    app = FastAPI(title="Lotline trace", version="0.1.0", lifespan=runtime.lifespan)
    runtime.install(app)
    app.include_router(api.router)
    install_error_handlers(
        app, not_found=(UnknownStart, UnknownRecall), conflict=(AlreadyWithdrawn,)
    )
    return app
