"""Reading lists from the services for a page: a capped slice, and how many there are.

Every list a floor page shows asks for at most what it shows (``limit``) and learns the
total from the service's ``X-Total-Count`` where the service gives one.
"""

from __future__ import annotations

from typing import Any

from services.gateway.dashboard.upstream import Upstream, UpstreamError


async def counted(upstream: Upstream, path: str, params: Any) -> tuple[list[Any], int | None]:
    """The rows and the total the service counted (None when it does not say)."""
    answer = await upstream.request("GET", path, params=params)
    if not answer.is_success:
        try:
            body = answer.json()
        except ValueError:
            body = answer.text[:300]
        detail = body.get("detail", body) if isinstance(body, dict) else body
        raise UpstreamError(answer.status_code, str(detail))
    total = answer.headers.get("x-total-count")
    return list(answer.json()), int(total) if total and total.isdigit() else None
