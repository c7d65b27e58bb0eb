"""What every screen needs beside its template: the upstream client, and what a page says
after a write. The outcome travels as a short key in the redirect (never free text from the
URL); a refusal is shown in the service's own words."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from services.gateway.dashboard.upstream import Upstream

# Keys a redirect may carry, and the English a page shows for each (translated there).
NOTICES: dict[str, str] = {
    "started": "Production started.",
    "completed": "Production completed; the output lot is being added to stock.",
    "production_cancelled": "Production order cancelled; what it held is released.",
    "accepted": "Suggestion accepted.",
    "dismissed": "Suggestion dismissed.",
    "received": "Goods received; the new lot is in stock.",
    "recalled": "Recall issued: the lots are blocked and open orders held.",
    "mapped": "SKU mapping saved.",
    "unmapped": "SKU mapping deleted.",
    "replayed": "Queued again for delivery.",
    "reconciled": "Reconciliation run.",
    "reconcile_failed": "Reconciliation ran into an error; it is shown below.",
    "polled": "Orders polled.",
    "store_connected": "WooCommerce store connected. Add its three order webhooks in WordPress.",
    "seller_connected": "Amazon seller connected.",
    "reauthorised": "New credentials saved; a revocation is cleared.",
    "webhook_enabled": "Outbound webhook enabled; its waiting deliveries go out.",
    "shelf_life_set": "Shelf-life rule saved; orders reserved from now on follow it.",
    "shelf_life_deleted": "Shelf-life rule deleted.",
}


def notice_of(request: Request) -> str | None:
    """The English text of the notice the redirect named, if it named a known one."""
    return NOTICES.get(request.query_params.get("notice", ""))


def see_other(url: str, notice: str) -> RedirectResponse:
    """After a write: 303 to where the change shows, naming what happened."""
    separator = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{separator}notice={notice}", status_code=303)


def upstream_of(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream
