"""One place that maps domain errors to HTTP answers, so routes carry no try/except."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class ErrorMessage(BaseModel):
    """The body of every answer a domain error or an ``HTTPException`` gets."""

    detail: str


def install_error_handlers(
    app: FastAPI,
    *,
    not_found: tuple[type[Exception], ...] = (),
    conflict: tuple[type[Exception], ...] = (),
    invalid: tuple[type[Exception], ...] = (),
    unavailable: tuple[type[Exception], ...] = (),
) -> None:
    """Register 404 / 409 / 422 / 503 answers; the most specific class of an error wins."""

    def answer(code: int) -> object:
        async def handler(_request: Request, error: Exception) -> JSONResponse:
            return JSONResponse(status_code=code, content={"detail": str(error)})

        return handler

    for classes, code in ((not_found, 404), (conflict, 409), (invalid, 422), (unavailable, 503)):
        for cls in classes:
            app.add_exception_handler(cls, answer(code))  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, refused_value)  # type: ignore[arg-type]
    app.add_exception_handler(ConnectionError, database_unavailable)
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    document_refusals(app)


# A field whose name holds one of these is a credential: a refusal never echoes its value.
SECRET_FIELD_WORDS = ("secret", "token", "password", "api_key", "apikey", "credential")


async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, with the value of every secret field left out: a mistyped webhook
    secret or token must not come back in the answer (nor in a proxy's log of it)."""
    return JSONResponse(
        status_code=422, content={"detail": jsonable_encoder(redacted(error.errors()))}
    )


def redacted(errors: Sequence[Any]) -> list[Any]:
    found = []
    for one in errors:
        names = " ".join(str(part).lower() for part in one.get("loc", ()))
        if any(word in names for word in SECRET_FIELD_WORDS):
            one = {k: v for k, v in one.items() if k not in ("input", "ctx")}
        elif isinstance(one.get("input"), dict):  # the whole body: drop its secret fields
            one = {**one, "input": _without_secrets(one["input"])}
        found.append(one)
    return found


def _without_secrets(body: dict[str, Any]) -> dict[str, Any]:
    return {
        key: "***" if any(word in key.lower() for word in SECRET_FIELD_WORDS) else value
        for key, value in body.items()
    }


async def refused_value(request: Request, error: DBAPIError) -> JSONResponse:
    """A value PostgreSQL cannot hold (a NUL byte, a number past its column) is the request's
    fault, not the server's; the transaction rolled back, so nothing was half-written. A
    database that is restarting or out of reach is a 503 the caller may retry."""
    if connection_lost(error):
        return await database_unavailable(request, error)
    reason = value_refused(error)
    if reason is None:
        raise error
    return JSONResponse(status_code=422, content={"detail": f"invalid value: {reason}"})


# SQLSTATE classes and codes that mean "no database to talk to right now": 08 connection
# exception; 57P01-57P03 admin shutdown, crash shutdown, cannot connect now (starting up).
UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")
RETRY_AFTER_SECONDS = 2


def connection_lost(error: DBAPIError) -> bool:
    """Whether the error says the database went away, rather than refusing what we sent."""
    if error.connection_invalidated:
        return True
    cause = error.orig.__cause__ if error.orig is not None else None
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_STATES):
        return True
    return isinstance(cause, ConnectionError | TimeoutError) or isinstance(
        error.orig, ConnectionError
    )


def database_gone(error: BaseException) -> bool:
    """Any error meaning "no database to talk to right now", raised or wrapped: for code
    outside FastAPI's exception handlers (an ASGI middleware that reads the database)."""
    if isinstance(error, DBAPIError):
        return connection_lost(error)
    return isinstance(error, ConnectionError)


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """503 with Retry-After: a shop's webhook or a client's call is retried, and nothing
    was half-written (the transaction never committed). The cause stays in our log only."""
    log.warning("database unavailable during %s %s: %r", request.method, request.url.path, error)
    return JSONResponse(
        status_code=503,
        content={"detail": "the database is unavailable for a moment; retry shortly"},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def value_refused(error: DBAPIError) -> str | None:
    """Why the database refused a value, or None when the error is not about one."""
    if error.orig is None:
        return None
    cause = error.orig.__cause__ or error.orig
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(cause, "sqlstate", None)
    # Class 22 is "data exception"; asyncpg's own DataError (a ValueError) is raised before
    # sending, for an argument its column type cannot encode (an int past int32, say).
    if (isinstance(sqlstate, str) and sqlstate.startswith("22")) or isinstance(cause, ValueError):
        return str(cause).splitlines()[0]
    return None


def document_refusals(app: FastAPI) -> None:
    """A 422 is either FastAPI's list of field errors or a domain refusal's one message; the
    document says both, so a client reading ``detail`` is not told a lie."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_refusals(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_refusals(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with FastAPI's default 422 answer allowed to be an ``ErrorMessage`` too."""
    fields = {"$ref": "#/components/schemas/HTTPValidationError"}
    either = {"anyOf": [fields, {"$ref": "#/components/schemas/ErrorMessage"}]}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("responses", {}).get("422", {}).get("content", {})
            if body.get("application/json", {}).get("schema") == fields:
                body["application/json"]["schema"] = either
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorMessage"] = ErrorMessage.model_json_schema()
    return document


# Who asked, by the name the gateway's audit trail gives them ("sara", "key:erp"): the
# gateway sets it on every request it forwards and drops any a caller sent, so a service
# may record it. Percent-encoded: a header carries ASCII, a name need not be.
ACTOR_HEADER = "x-lotline-actor"


def actor_header(actor: str) -> dict[str, str]:
    return {ACTOR_HEADER: quote(actor, safe=":@._-")}


def actor_of(request: Request) -> str | None:
    value = request.headers.get(ACTOR_HEADER)
    return unquote(value) if value else None
