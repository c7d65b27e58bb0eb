"""A table's page: ask the service for one row more than shown, so "next" is known without
counting every row (no page loads more than it shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.upstream import Upstream, UpstreamError

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    offset: int
    size: int
    has_next: bool
    name: str = "offset"

    @property
    def previous_offset(self) -> int | None:
        return None if self.offset == 0 else max(self.offset - self.size, 0)

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.size if self.has_next else None


def offset_of(request: Request, name: str = "offset") -> int:
    """A non-negative offset from the query string; anything else is the first page."""
    try:
        return max(int(request.query_params.get(name, "0")), 0)
    except ValueError:
        return 0


async def fetch_page(
    upstream: Upstream,
    path: str,
    *,
    offset: int,
    size: int = PAGE_SIZE,
    params: dict[str, Any] | None = None,
    name: str = "offset",
) -> Page:
    rows = await upstream.get(path, params={**(params or {}), "limit": size + 1, "offset": offset})
    return Page(rows=rows[:size], offset=offset, size=size, has_next=len(rows) > size, name=name)


def page_url(request: Request, name: str, offset: int) -> str:
    """This page's URL with one offset changed and its other filters kept."""
    params = {k: v for k, v in request.query_params.items() if k not in ("notice", name)}
    params[name] = str(offset)
    return f"{request.url.path}?{urlencode(params)}"


async def page_or_refusal(
    errors: list[str],
    request: Request,
    path: str,
    *,
    name: str = "offset",
    size: int = PAGE_SIZE,
    params: dict[str, Any] | None = None,
) -> Page | None:
    """One table's page at the offset the request names for it (query parameter ``name``);
    a refusal joins ``errors`` and the rest of the screen still shows."""
    try:
        return await fetch_page(
            upstream_of(request),
            path,
            offset=offset_of(request, name),
            size=size,
            params=params,
            name=name,
        )
    except UpstreamError as error:
        errors.append(error.detail)
        return None
