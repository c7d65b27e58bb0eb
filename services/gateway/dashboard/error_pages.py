"""Refusals a person meets in the browser, as pages in their language: an unknown address
(404), a page their role may not open (403), a malformed address (422). A program calling
the API (``/api/…``, webhooks, health, metrics) keeps getting JSON."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import Headers

from services.gateway.dashboard.templating import render

# Paths that answer programs, whoever calls them: never an HTML page.
MACHINE_PREFIXES: Final = ("/api/", "/webhooks/", "/events", "/static/")
MACHINE_PATHS: Final = frozenset({"/openapi.json", "/metrics", "/healthz", "/readyz", "/api"})

# What each refusal says, in English (the key of its translation).
TITLES: Final[dict[int, str]] = {
    403: "You may not open this page",
    404: "There is no such page",
    422: "This address is not valid",
}
EXPLANATIONS: Final[dict[int, str]] = {
    403: "Your role does not allow this. Ask an administrator if you need it.",
    404: (
        "The link may be old or mistyped. Use the menu or the search box to find what "
        "you were looking for."
    ),
    422: (
        "Part of the address is not what this page expects (an order's id, say). Check "
        "the link, or find the page from the menu."
    ),
}


def is_page_request(path: str, headers: Headers) -> bool:
    """A browser asking for a dashboard page (or a form posting to one), not a program."""
    if path in MACHINE_PATHS or path.startswith(MACHINE_PREFIXES):
        return False
    accept = headers.get("accept", "")
    return "application/json" not in accept or "text/html" in accept


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """The refusal ``status`` as a page: what happened, what to do, the details folded."""
    context = {
        "status": status,
        "title": TITLES.get(status, "Something went wrong"),
        "explanation": EXPLANATIONS.get(status, "Go back and try again."),
        "detail": detail,
    }
    return render(request, "errors/refused.html", context, status_code=status)


def refusal(request: Request, status: int, detail: str) -> Response:
    """The gate's refusal of ``request``: a page for a browser, JSON for a program."""
    if is_page_request(request.url.path, request.headers):
        return error_page(request, status, detail)
    return JSONResponse({"detail": detail}, status)
