"""A polling worker that talks to a channel through one HTTP client for its lifetime."""

from __future__ import annotations

import httpx

from shared.polling import PollingWorker


class HttpPollingWorker(PollingWorker):
    def __init__(
        self,
        *,
        name: str,
        batch_size: int,
        interval: float,
        http_timeout: float,
        grace_seconds: float = 5.0,
    ) -> None:
        super().__init__(
            name=name, batch_size=batch_size, interval=interval, grace_seconds=grace_seconds
        )
        self._http_timeout = http_timeout
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._http

    def open(self) -> None:
        self._http = httpx.AsyncClient(timeout=self._http_timeout)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
