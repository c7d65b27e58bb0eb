"""``GET /events``: the live feed as server-sent events, resumable after a dropped connection.

A page opens it with ``?since=<the notice id it was rendered at>``; the browser's own
reconnect sends ``Last-Event-ID``. Either way the page gets what it missed, or ``resync``
when that is no longer known, and then every new notice as it arrives.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level
from services.gateway.dashboard.live_feed import LiveFeed

router = APIRouter(include_in_schema=False)
RULES: tuple[Rule, ...] = rules(Level.READ, "GET /events")

WAIT_SECONDS = 15.0


def live_since(request: Request) -> str:
    """The id a page is rendered at, so its feed starts exactly where the page's data ends."""
    feed: LiveFeed | None = getattr(request.app.state, "live", None)
    return feed.buffer.last_id if feed is not None else ""


async def _stream(
    request: Request, feed: LiveFeed, last_id: str | None
) -> AsyncIterator[ServerSentEvent]:
    last_id = last_id or feed.buffer.last_id  # a page with no id starts from now
    yield ServerSentEvent(comment="connected", retry=2000)
    while not await request.is_disconnected():
        catchup = await feed.wait_after(last_id, seconds=WAIT_SECONDS)
        if catchup.resync:
            last_id = feed.buffer.last_id
            yield ServerSentEvent(json.dumps({}), event="resync", id=last_id)
            continue
        for notice in catchup.notices:
            last_id = notice.id
            yield ServerSentEvent(json.dumps(notice.data()), event=notice.kind, id=notice.id)


@router.get("/events")
async def events(request: Request, since: str | None = None) -> EventSourceResponse:
    """``Last-Event-ID`` (a reconnect) wins over ``since`` (the page's first connection)."""
    feed: LiveFeed = request.app.state.live
    last_id = request.headers.get("last-event-id") or since or None
    return EventSourceResponse(_stream(request, feed, last_id), ping=15)
