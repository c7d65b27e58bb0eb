"""Composition root of the production service: ``python -m services.production``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

from services.production import api, handlers
from services.production.capacity import lines
from services.production.capacity.calendar_rules import CalendarError
from services.production.capacity.scheduling_rules import SchedulingError
from services.production.production_orders import completion_rules, domain
from services.production.promise.date_rules import PromiseError
from services.production.promise.replanner import Replanner
from services.production.recipes import recipe_rules
from services.production.service import NotFound, ProductionError
from shared.http import install_error_handlers
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    runtime = ServiceRuntime(
        "production",
        settings,
        migrations_dir=MIGRATIONS,
        subscriptions=functools.partial(handlers.register, promise=settings.promise),
    )
    app = FastAPI(title="Lotline production", version="0.1.0", lifespan=runtime.lifespan)
    runtime.install(app)
    app.state.promise_terms = settings.promise
    replanner = Replanner(runtime.engine, terms=settings.promise)
    runtime.add_worker(replanner)
    runtime.metrics.add(replanner.passes)

    @app.middleware("http")
    async def replan_after_changes(request: Request, call_next: Any) -> Response:
        """A change made through the API (lines, calendars, production orders, purchase
        orders) may move promises: re-plan after it rather than at the next fallback."""
        response: Response = await call_next(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            replanner.wake()
        return response

    app.include_router(api.router)
    install_error_handlers(
        app,
        not_found=(NotFound,),
        conflict=(domain.IllegalTransition, lines.LineExists),
        invalid=(
            ProductionError,
            CalendarError,
            PromiseError,
            SchedulingError,
            recipe_rules.RecipeError,
            completion_rules.CompletionRefused,
            domain.PlanningRefused,
        ),
    )
    return app
