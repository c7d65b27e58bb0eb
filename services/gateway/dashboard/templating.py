"""Render a page for the caller: their language, role and CSRF token reach every template."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from services.gateway.access.principal import Principal
from services.gateway.dashboard.i18n import negotiate, translate
from services.gateway.dashboard.locale_format import format_date, format_money, format_number
from services.gateway.dashboard.money import Total
from services.gateway.dashboard.phrases import say

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def when_text(value: Any, language: str = "en") -> str:
    """An ISO timestamp or date as a short reading in the reader's way (UTC as stored)."""
    return format_date(value, language)


@pass_context
def _when(context: Context, value: Any) -> str:
    return format_date(value, context.get("lang", "en"))


@pass_context
def _qty(context: Context, value: Any) -> str:
    """``"12.500"`` → ``"12.5"`` (``"12,5"`` in Italian): exact decimals without noise."""
    return format_number(value, context.get("lang", "en"))


@pass_context
def _money(context: Context, total: Total | None) -> str:
    if total is None:
        return ""
    return format_money(total.amount, total.currency, context.get("lang", "en"))


@pass_context
def _amount(context: Context, amount: Any, currency: str | None) -> str:
    """A service's money figure (``"2.21"``) with its currency; ``—`` when unknown."""
    if amount is None:
        return "—"
    return format_money(amount, currency, context.get("lang", "en"))


@pass_context
def _said(context: Context, text: str | None) -> str:
    """A service's sentence (a promise's reason, a history reason) in the reader's language."""
    return say(context.get("lang", "en"), text)


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["qty"] = _qty
environment.filters["when"] = _when
environment.filters["money"] = _money
environment.filters["said"] = _said
environment.filters["amount"] = _amount


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
