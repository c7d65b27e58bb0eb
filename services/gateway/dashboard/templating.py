"""Render a page for the caller: their language, role and CSRF token reach every template."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.gateway.access.principal import Principal
from services.gateway.dashboard.i18n import negotiate, translate

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _quantity(value: Any) -> str:
    """``"12.500"`` → ``"12.5"``: quantities are exact decimals, shown without noise."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number.normalize(), "f")
    return text


def when_text(value: Any) -> str:
    """An ISO timestamp or date as a short local reading (UTC as stored)."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime | date):
        parsed: date = value
    else:
        text = str(value)
        try:
            # a plain date ("2026-12-10") stays a date, not midnight
            parsed = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(parsed, datetime):
        return parsed.strftime("%Y-%m-%d %H:%M")
    return parsed.isoformat()


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["qty"] = _quantity
environment.filters["when"] = when_text


def principal_of(request: Request) -> Principal:
    """The caller, set by the gate before any page route runs."""
    principal: Principal = request.state.principal
    return principal


def language_of(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    preferred = principal.locale if principal is not None else None
    return negotiate(request.headers.get("accept-language"), preferred)


def is_fragment(request: Request) -> bool:
    """htmx asks for a part of a page; the same route answers it without the layout."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    language = language_of(request)
    principal = getattr(request.state, "principal", None)
    context = dict(context or {})
    # The notice id the page is rendered at, so its live feed resumes from there; pages
    # that load data set it before loading, so a change made meanwhile is replayed.
    feed = getattr(request.app.state, "live", None)
    context.setdefault("live_since", feed.buffer.last_id if feed is not None else "")
    page = environment.get_template(template).render(
        request=request,
        principal=principal,
        csrf_token=(principal.csrf_token or "") if principal is not None else "",
        lang=language,
        _=partial(translate, language),
        fragment=is_fragment(request),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
