"""Run a service's ASGI app with uvicorn on its configured port."""

from __future__ import annotations

import logging

import uvicorn

from shared.settings import get_settings


def serve(service: str, factory: str) -> None:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )
    uvicorn.run(
        factory,
        factory=True,
        host=(settings.gateway_host or settings.host) if service == "gateway" else settings.host,
        port=getattr(settings.ports, service),
        log_level=settings.log_level.lower(),
        access_log=False,
    )
