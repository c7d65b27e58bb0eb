"""``/api/dead-letters/<service>``: every service lists and replays its own dead letters
under a prefix of its own, so the gateway routes each by prefix to the service that
failed them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from shared.dead_letters.letters import Coordinates, NotReplayable
from shared.dead_letters.schemas import DeadLetterOut, ReplayOut, Status
from shared.dead_letters.service import (
    AlreadyReplayed,
    DeadLetters,
    DeadLettersUnavailable,
    UnknownDeadLetter,
)
from shared.http import ErrorMessage, actor_of

UNKNOWN_ACTOR = "unknown (not through the gateway)"


def router(dead_letters: DeadLetters) -> APIRouter:
    routes = APIRouter(prefix=f"/api/dead-letters/{dead_letters.service}", tags=["dead letters"])

    @routes.get("", response_model=list[DeadLetterOut])
    async def list_dead_letters(
        response: Response,
        status: Status | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[DeadLetterOut]:
        """Newest first, from the last 200 of each dead-letter topic this service writes;
        ``status=waiting`` is the operator's to-do list. ``X-Total-Count`` counts them."""
        found = [DeadLetterOut.of(x) for x in await dead_letters.recent()]
        matching = [x for x in found if status is None or x.status == status]
        response.headers["X-Total-Count"] = str(len(matching))
        return matching[offset : offset + limit]

    @routes.post(
        "/{topic}/{partition}/{offset}/replay",
        response_model=ReplayOut,
        responses={404: {"model": ErrorMessage}, 409: {"model": ErrorMessage}},
    )
    async def replay_dead_letter(
        request: Request,
        topic: str,
        partition: Annotated[int, Path(ge=0, le=2**31 - 1)],
        offset: Annotated[int, Path(ge=0, le=2**63 - 1)],
    ) -> ReplayOut:
        """Publish the original record again to its topic, once; 409 if it was replayed."""
        by = actor_of(request) or UNKNOWN_ACTOR
        replay = await dead_letters.replay(Coordinates(topic, partition, offset), by=by[:200])
        return ReplayOut.of(replay)

    return routes


def install(app: FastAPI, dead_letters: DeadLetters) -> None:
    """The routes, and the answers of their refusals (404, 409; Kafka out of reach: 503)."""
    app.include_router(router(dead_letters))
    for error, code in (
        (UnknownDeadLetter, 404),
        (AlreadyReplayed, 409),
        (NotReplayable, 409),
        (DeadLettersUnavailable, 503),
    ):
        app.add_exception_handler(error, _answer(code))


def _answer(code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handler(_request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(status_code=code, content={"detail": str(error)})

    return handler
