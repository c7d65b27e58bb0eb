"""One place that maps domain errors to HTTP answers, so routes carry no try/except."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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
