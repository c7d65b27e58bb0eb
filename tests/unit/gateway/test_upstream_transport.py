"""The gateway's own transport to the services: keep-alive reuse, both body framings,
streaming, errors as httpx's, and no reuse of a connection the service closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bench.gateway_proxy import read_request
from services.gateway.upstream_transport import LeanTransport

Answer = Callable[[bytes, bytes], bytes]  # (request head, request body) -> raw answer


async def _serve(answer: Answer, accepted: list[int]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        try:
            while True:
                raw = answer(*await read_request(reader))
                writer.write(raw)
                await writer.drain()
                if b"connection: close" in raw.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=LeanTransport(), timeout=5.0) as c:
        yield c


def _echo(head: bytes, body: bytes) -> bytes:
    first = head.split(b"\r\n", 1)[0]
    content = first + b"|" + body
    return b"HTTP/1.1 201 Created\r\ncontent-length: %d\r\nx-a: 1\r\n\r\n%s" % (
        len(content),
        content,
    )


async def test_requests_share_one_kept_alive_connection(client: httpx.AsyncClient) -> None:
    accepted: list[int] = []
    server = await _serve(_echo, accepted)
    port = server.sockets[0].getsockname()[1]
    async with server:
        for n in range(3):
            answer = await client.post(
                f"http://127.0.0.1:{port}/a%2Fb", params={"q": str(n)}, content=b"hi"
            )
            assert answer.status_code == 201
            assert answer.headers["x-a"] == "1"
            assert answer.content == b"POST /a%2Fb?q=" + str(n).encode() + b" HTTP/1.1|hi"
        get = await client.get(f"http://127.0.0.1:{port}/x")
        assert get.content == b"GET /x HTTP/1.1|"
    assert len(accepted) == 1


async def test_a_chunked_answer_streams_and_a_closed_connection_is_not_reused(
    client: httpx.AsyncClient,
) -> None:
    def chunked(_head: bytes, _body: bytes) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        )

    accepted: list[int] = []
    server = await _serve(chunked, accepted)
    port = server.sockets[0].getsockname()[1]
    async with server:
        async with client.stream("GET", f"http://127.0.0.1:{port}/s") as answer:
            got = b"".join([part async for part in answer.aiter_bytes()])
        assert got == b"abcde"
        assert (await client.get(f"http://127.0.0.1:{port}/s")).content == b"abcde"
    assert len(accepted) == 2


async def test_errors_are_httpx_errors(client: httpx.AsyncClient) -> None:
    def silent_close(_head: bytes, _body: bytes) -> bytes:
        return b""

    server = await _serve(silent_close, [])
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{port}/")

    released = asyncio.Event()  # the server holds its answer until the client gave up

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        await released.wait()
        writer.close()

    slow = await asyncio.start_server(never, "127.0.0.1", 0)
    async with slow:
        port = slow.sockets[0].getsockname()[1]
        try:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{port}/", timeout=0.2)
        finally:
            released.set()
