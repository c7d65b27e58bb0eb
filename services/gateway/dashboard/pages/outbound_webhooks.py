"""An outbound webhook's secret rotated from the Channels page (admins only): the first press
asks once more on a page of its own; the confirmed one shows the new secret on the next
page, this once (never cached), and says until when the previous one also signs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.templating import render
from services.gateway.dashboard.upstream import UpstreamError

router = APIRouter()
RULES: tuple[Rule, ...] = (
    # Whoever holds the secret can forge our deliveries: admins only, as creating one.
    *rules(Level.ADMIN, "POST /channels/outbound-webhooks/{subscription_id}/rotate-secret"),
)


async def _subscription(request: Request, subscription_id: str) -> dict[str, Any] | None:
    hooks: list[dict[str, Any]] = await upstream_of(request).get("/api/outbound-webhooks")
    return next((h for h in hooks if h["id"] == subscription_id), None)


@router.post("/channels/outbound-webhooks/{subscription_id}/rotate-secret")
async def rotate_secret(subscription_id: str, request: Request) -> Response:
    """Rotates only when the form says ``confirmed=yes``; otherwise shows the endpoint and
    what a rotation does, and asks."""
    form = await request.form()
    upstream = upstream_of(request)
    hook: dict[str, Any] | None = None
    try:
        if form.get("confirmed") == "yes":
            rotated = await upstream.send(
                "POST",
                f"/api/outbound-webhooks/{quote(subscription_id, safe='')}/rotate-secret",
            )
            page = render(request, "channels_hook_secret.html", {"hook": rotated})
            page.headers["Cache-Control"] = "no-store"
            return page
        hook = await _subscription(request, subscription_id)
    except UpstreamError as refused:
        return render(
            request,
            "channels_hook_rotate.html",
            {"hook": hook, "subscription_id": subscription_id, "error": refused.detail},
            status_code=refused.status,
        )
    return render(
        request,
        "channels_hook_rotate.html",
        {"hook": hook, "subscription_id": subscription_id, "error": None},
        status_code=200 if hook else 404,
    )
