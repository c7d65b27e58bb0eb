"""``/healthz`` (the process answers) and ``/readyz`` (what it depends on answers too).

A readiness check is anything with a ``name`` and an async ``check()`` that returns a short
detail when ready and raises when not; the gateway mounts the same routes with its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shared.observability.redaction import redact_text

DEFAULT_TIMEOUT_SECONDS = 3.0


class ReadinessCheck(Protocol):
    """One dependency the process needs before it can do useful work."""

    @property
    def name(self) -> str: ...

    async def check(self) -> str:
        """A short detail when ready; raise (any exception) when not."""
        ...


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def summary(results: Sequence[CheckResult]) -> tuple[int, dict[str, Any]]:
    """200 only when every check passed; the body names each check and its result."""
    ready = all(result.ok for result in results)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {r.name: {"ok": r.ok, "detail": r.detail} for r in results},
    }
    return (200 if ready else 503), body


async def run_check(check: ReadinessCheck, *, within: float) -> CheckResult:
    """A check that hangs or raises is a failed check, never an error of the endpoint."""
    try:
        detail = await asyncio.wait_for(check.check(), timeout=within)
    except TimeoutError:
        return CheckResult(check.name, False, f"no answer within {within:g}s")
    except Exception as error:
        return CheckResult(check.name, False, _describe(error))
    return CheckResult(check.name, True, detail)


async def run_checks(
    checks: Sequence[ReadinessCheck], *, within: float = DEFAULT_TIMEOUT_SECONDS
) -> list[CheckResult]:
    """Every check at once, each bounded by ``within`` seconds."""
    return list(await asyncio.gather(*(run_check(c, within=within) for c in checks)))


def health_router(
    checks: Sequence[ReadinessCheck], *, within: float = DEFAULT_TIMEOUT_SECONDS
) -> APIRouter:
    """``GET /healthz`` and ``GET /readyz``, kept out of the OpenAPI document."""
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "alive"})

    @router.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        code, body = summary(await run_checks(checks, within=within))
        return JSONResponse(body, status_code=code)

    return router


def _describe(error: Exception) -> str:
    text = redact_text(str(error) or type(error).__name__)
    return f"{type(error).__name__}: {text}"[:300]
