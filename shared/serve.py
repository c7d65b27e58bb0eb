"""Run a service's ASGI app with uvicorn on its configured port, logging JSON lines."""

from __future__ import annotations

import importlib

import uvicorn

from shared.observability.logs import configure_logging
from shared.settings import get_settings


def serve(service: str, factory: str) -> None:
    settings = get_settings()
    # Imported first: libraries that attach handlers at import (FastStream) are then
    # re-pointed at the JSON handler too.
    importlib.import_module(factory.partition(":")[0])
    configure_logging(service, settings.log_level)
    uvicorn.run(
        factory,
        factory=True,
        host=(settings.gateway_host or settings.host) if service == "gateway" else settings.host,
        port=getattr(settings.ports, service),
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through the JSON handler configured above
        access_log=False,  # shared.observability.middleware logs each request instead
    )
