"""The Etsy API handle the service uses: every call spends the app's persisted day budget
and waits in the process-wide per-second bucket."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.etsy import repository
from services.connectors.etsy.client import EtsyApi
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.ratelimit import limiter_for


def etsy_api(engine: AsyncEngine, http: httpx.AsyncClient, settings: EtsySettings) -> EtsyApi:
    async def spend_daily_call() -> bool:
        async with engine.begin() as conn:
            return await repository.spend_daily_call(
                conn,
                keystring=settings.keystring,
                day=datetime.now(UTC).date(),
                limit=settings.per_day,
            )

    return EtsyApi(
        http,
        settings,
        limiter=limiter_for(settings.keystring, settings.per_second),
        spend_daily_call=spend_daily_call,
    )
