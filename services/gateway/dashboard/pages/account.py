"""Sign-in, sign-out and the language a person reads the dashboard in."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.access import audit, sessions, users
from services.gateway.access.lockout import Lockout
from services.gateway.access.policy import PUBLIC, Rule, rules
from services.gateway.access.principal import Level
from services.gateway.access.sign_in import SignedIn, sign_in
from services.gateway.dashboard.i18n import SUPPORTED, translate
from services.gateway.dashboard.templating import language_of, principal_of, render

router = APIRouter()
# The sign-in form's own CSRF guard (no session yet): a random value both in a cookie and
# in the form; a page on another site can post the form but cannot read the cookie.
LOGIN_COOKIE = "lotline_login"

RULES: tuple[Rule, ...] = (
    *rules(PUBLIC, "GET /login", "POST /login"),
    *rules(Level.READ, "POST /logout", "POST /preferences/language"),
)


def _safe_next(target: str | None) -> str:
    """Only a path of this site: an open redirect would send a signed-in user anywhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _secure(request: Request) -> bool:
    settings = request.app.state.settings
    return bool(settings.gateway.cookie_secure)


def _login_page(
    request: Request, *, next_path: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "login.html",
        {"login_token": token, "next_path": next_path, "error": error},
        status_code=status_code,
    )
    page.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        max_age=3600,
        path="/login",
    )
    return page


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    language = language_of(request)
    username = username.replace("\x00", "").strip()
    next_path = _safe_next(next)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_token):
        message = translate(language, "This form has expired. Please sign in again.")
        return _login_page(request, next_path=next_path, error=message, status_code=403)
    engine = request.app.state.engine
    settings = request.app.state.settings
    address = request.client.host if request.client else "unknown"
    outcome = await sign_in(
        engine, settings.gateway, username=username, password=password, address=address
    )
    actor = audit.Actor(kind="anonymous", name=username[:200] or "(empty)")
    if isinstance(outcome, Lockout):
        await audit.record(engine, actor, method="POST", path="/login", status=429, address=address)
        minutes = max(1, round(outcome.retry_after / 60))
        message = translate(language, "Too many failed sign-ins. Try again in {minutes} min.")
        page = _login_page(
            request, next_path=next_path, error=message.format(minutes=minutes), status_code=429
        )
        page.headers["Retry-After"] = str(outcome.retry_after)
        return page
    if not isinstance(outcome, SignedIn):
        await audit.record(engine, actor, method="POST", path="/login", status=401, address=address)
        message = translate(language, "Wrong username or password.")
        return _login_page(request, next_path=next_path, error=message, status_code=401)
    opened = await sessions.open_session(
        engine,
        outcome.user_id,
        settings.gateway,
        address=address,
        user_agent=request.headers.get("user-agent"),
    )
    signed_in = audit.Actor(kind="user", name=username, id=outcome.user_id)
    await audit.record(engine, signed_in, method="POST", path="/login", status=303, address=address)
    answer = RedirectResponse(next_path, status_code=303)
    answer.set_cookie(
        sessions.COOKIE,
        opened.token,
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        max_age=settings.gateway.session_max_hours * 3600,
        path="/",
    )
    answer.delete_cookie(LOGIN_COOKIE, path="/login")
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session server-side: the cookie, even if kept, opens nothing any more."""
    principal = principal_of(request)
    if principal.session_id is not None:
        await sessions.end_session(request.app.state.engine, principal.session_id)
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(sessions.COOKIE, path="/")
    return answer


@router.post("/preferences/language")
async def choose_language(
    request: Request,
    language: Annotated[str, Form(max_length=10)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    principal = principal_of(request)
    if language not in SUPPORTED:
        language = "en"
    if principal.kind == "user":
        await users.change(request.app.state.engine, principal.id, locale=language)
    return RedirectResponse(_safe_next(next), status_code=303)
