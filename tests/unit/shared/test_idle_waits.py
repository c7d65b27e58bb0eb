"""The waits an idle service makes (issue 14): a consumer group's batch fetch and uvicorn's
main loop wake rarely, and a record or a shutdown signal still ends the wait at once."""

from __future__ import annotations

import asyncio
import signal
import socket
from typing import Any

import httpx
import pytest
import uvicorn
from faststream.kafka.subscriber.usecase import BatchSubscriber
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from shared import messaging
from shared.serve import QuietServer


class Subscriber:
    batch_timeout_ms = 1000
    max_records = 10


class Consumer:
    """aiokafka's ``getmany`` as the test scripts it: an answer, and whether it came late."""

    def __init__(self, answer: dict[str, list[int]], *, waited: bool) -> None:
        self.answer = answer
        self.waited = waited
        self.calls: list[dict[str, Any]] = []

    async def getmany(self, **kwargs: Any) -> dict[str, list[int]]:
        self.calls.append(kwargs)
        return self.answer


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(messaging, "_sleep", sleep)
    return slept


def test_faststream_batch_subscribers_fetch_through_ours() -> None:
    assert BatchSubscriber.get_msg is messaging.fetch_batch


async def test_records_are_returned_at_once_without_a_sleep(sleeps: list[float]) -> None:
    consumer = Consumer({"tp0": [1, 2], "tp1": [3]}, waited=False)

    batch = await messaging.fetch_batch(Subscriber(), consumer)  # type: ignore[arg-type]

    assert batch == (1, 2, 3)
    assert consumer.calls == [{"timeout_ms": 1000, "max_records": 10}]
    assert sleeps == []


async def test_an_early_empty_answer_waits_out_the_rest_so_the_loop_never_spins(
    sleeps: list[float],
) -> None:
    batch = await messaging.fetch_batch(Subscriber(), Consumer({}, waited=False))  # type: ignore[arg-type]

    assert batch == ()
    assert len(sleeps) == 1 and 0.5 < sleeps[0] <= 1.0


async def test_an_empty_answer_after_the_full_wait_does_not_sleep_again(
    sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter([100.0, 101.0])  # getmany took the whole second
    monkeypatch.setattr(messaging, "_clock", lambda: next(clock))

    batch = await messaging.fetch_batch(Subscriber(), Consumer({}, waited=True))  # type: ignore[arg-type]

    assert batch == ()
    assert sleeps == []


async def hello(_request: Any) -> PlainTextResponse:
    return PlainTextResponse("hello")


async def test_the_quiet_server_serves_and_a_signal_stops_it_without_waiting_a_tick() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/", hello)])
    server = QuietServer(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/")
        assert answer.text == "hello" and "date" in answer.headers

        server.handle_exit(signal.SIGTERM, None)
        # uvicorn raises a captured signal again once it has stopped (to end the process):
        # forgotten here, before the loop runs, so the test process lives on.
        server._captured_signals.clear()
        # The main loop waits up to a second between ticks; the signal must end that wait,
        # so the server is gone well before a tick would have come round twice.
        done, _ = await asyncio.wait([task], timeout=0.9)
        assert task in done
    finally:
        server.should_exit = True
        await task
        sock.close()
