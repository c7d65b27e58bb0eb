"""The dashboard asks the service that owns a path, over its own HTTP API, as the proxy does."""

from __future__ import annotations

from typing import Any

import httpx

from services.gateway.routes import service_for


class UpstreamError(Exception):
    """A service refused (``status`` set) or could not be reached (``status`` 503)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _detail(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:300]
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
            if isinstance(e, dict)
            else str(e)
            for e in detail
        )
    return str(detail)


class Upstream:
    """``await upstream.get("/api/orders", params=…)`` → the decoded JSON, or UpstreamError."""

    def __init__(self, client: httpx.AsyncClient, urls: dict[str, str]) -> None:
        self.client = client
        self.urls = urls

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        service = service_for(path)
        if service is None:
            raise UpstreamError(404, f"no service owns {path}")
        try:
            return await self.client.request(method, f"{self.urls[service]}{path}", **kwargs)
        except httpx.HTTPError as error:
            detail = f"{service} service unavailable ({type(error).__name__})"
            raise UpstreamError(503, detail) from error

    async def get(self, path: str, **kwargs: Any) -> Any:
        answer = await self.request("GET", path, **kwargs)
        if not answer.is_success:
            raise UpstreamError(answer.status_code, _detail(answer))
        return answer.json()

    async def send(self, method: str, path: str, **kwargs: Any) -> Any:
        """A write; its JSON answer (or None when it has no body), else UpstreamError."""
        answer = await self.request(method, path, **kwargs)
        if not answer.is_success:
            raise UpstreamError(answer.status_code, _detail(answer))
        return answer.json() if answer.content else None
