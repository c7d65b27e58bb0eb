"""The gateway's HTTP/1.1 transport to the services: keep-alive connections on asyncio
streams, responses parsed by ``httptools`` (uvicorn's parser, already a dependency).

httpx's default transport (httpcore over anyio) was most of the gateway's CPU per
forwarded webhook: on every request and every response its pool walks each connection it
holds, and asks each idle one's socket whether it is readable (a ``poll`` per connection,
``has_expired``), then runs the request through anyio's stream wrappers and h11. This one
keeps, per service, a stack of idle connections: the most recent is reused unless it idled
longer than ``keepalive_expiry`` or the service closed it (its stream saw the end), with no
system call to find out. The gateway only speaks plain HTTP/1.1 to its own services;
anything else is refused. It is still httpx's ``AsyncClient`` above (same requests,
responses, timeouts, errors), so tests swap it for a mock transport as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httptools
import httpx

# Request headers this transport writes itself from the body it sends.
_FRAMING = frozenset({b"content-length", b"transfer-encoding", b"connection"})
_READ_SIZE = 65536


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def close(self) -> None:
        self.writer.close()


class _Parsed:
    """httptools' callbacks: the head, then body chunks as they are parsed."""

    def __init__(self) -> None:
        self.parser: Any = None
        self.keep_alive = False  # as the head says (the parser forgets once a message ends)
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_done = False
        self.done = False
        self.chunks: list[bytes] = []

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.head_done = True
        self.keep_alive = bool(self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; the connection goes back to the pool once the body
    was read to its end and the service keeps it alive, else it is closed."""

    def __init__(
        self,
        transport: LeanTransport,
        key: tuple[str, int],
        conn: _Connection,
        parser: Any,
        parsed: _Parsed,
        read_timeout: float | None,
        head_only: bool,
    ) -> None:
        self._transport = transport
        self._key = key
        self._conn: _Connection | None = conn
        self._parser = parser
        self._parsed = parsed
        self._read_timeout = read_timeout
        if head_only:  # no body follows a HEAD's head, whatever it announces
            parsed.done = True
            parsed.chunks.clear()
            self._release(keep=False)
        elif parsed.done:
            self._release(keep=parsed.keep_alive)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        parsed = self._parsed
        while True:
            if parsed.chunks:
                chunks, parsed.chunks = parsed.chunks, []
                for chunk in chunks:
                    yield chunk
            if parsed.done:
                return
            assert self._conn is not None
            data = await _read(self._conn, self._read_timeout)
            if not data:
                self._release(keep=False)
                raise httpx.RemoteProtocolError("the service closed the connection mid-body")
            _feed(self._parser, data)
            if parsed.done:
                self._release(keep=parsed.keep_alive)

    async def aclose(self) -> None:
        self._release(keep=False)  # a body left unread: the connection cannot be reused

    def _release(self, *, keep: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if keep:
            self._transport._put_back(self._key, conn)
        else:
            conn.close()


async def _read(conn: _Connection, seconds: float | None) -> bytes:
    try:
        async with asyncio.timeout(seconds):
            return await conn.reader.read(_READ_SIZE)
    except TimeoutError as error:
        conn.close()
        raise httpx.ReadTimeout("no answer from the service in time") from error
    except OSError as error:
        conn.close()
        raise httpx.ReadError(str(error)) from error


def _feed(parser: Any, data: bytes) -> None:
    try:
        parser.feed_data(data)
    except httptools.HttpParserError as error:
        raise httpx.RemoteProtocolError(f"unreadable answer: {error}") from error


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_idle_per_host: int = 100, keepalive_expiry: float = 2.0) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._max_idle = max_idle_per_host
        self._expiry = keepalive_expiry

    def _take(self, key: tuple[str, int]) -> _Connection | None:
        """The most recently used idle connection still good, if any; the rest of the
        stack below an expired one is older still, so it all goes."""
        stack = self._idle.get(key)
        now = time.monotonic()
        while stack:
            conn = stack.pop()
            if now - conn.idle_since > self._expiry:
                conn.close()
                for older in stack:
                    older.close()
                stack.clear()
                return None
            if conn.reader.at_eof() or conn.writer.is_closing():
                conn.close()
                continue
            return conn
        return None

    def _put_back(self, key: tuple[str, int], conn: _Connection) -> None:
        stack = self._idle.setdefault(key, [])
        if len(stack) >= self._max_idle or conn.reader.at_eof():
            conn.close()
            return
        conn.idle_since = time.monotonic()
        stack.append(conn)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"the gateway's services speak http, not {url}")
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        key = (url.host, url.port or 80)
        body = await request.aread()
        head = [request.method.encode(), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            if name.lower() not in _FRAMING:
                head += (name, b": ", value, b"\r\n")
        if body or request.method in ("POST", "PUT", "PATCH"):
            head += (b"content-length: ", str(len(body)).encode(), b"\r\n")
        head.append(b"\r\n")
        conn = self._take(key) or await self._open(key, timeouts.get("connect"))
        try:
            return await self._exchange(conn, key, request, b"".join(head) + body, timeouts)
        except BaseException:  # failed or cancelled: the connection is in an unknown state
            conn.close()
            raise

    async def _exchange(
        self,
        conn: _Connection,
        key: tuple[str, int],
        request: httpx.Request,
        data: bytes,
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        try:
            async with asyncio.timeout(timeouts.get("write")):
                conn.writer.write(data)
                await conn.writer.drain()
        except TimeoutError as error:
            conn.close()
            raise httpx.WriteTimeout("the service did not take the request in time") from error
        except OSError as error:
            conn.close()
            raise httpx.WriteError(str(error)) from error
        parsed = _Parsed()
        parser = parsed.parser = httptools.HttpResponseParser(parsed)
        read_timeout = timeouts.get("read")
        while not parsed.head_done:
            received = await _read(conn, read_timeout)
            if not received:
                raise httpx.RemoteProtocolError("the service closed the connection unanswered")
            _feed(parser, received)
        stream = _Body(
            self, key, conn, parser, parsed, read_timeout, head_only=request.method == "HEAD"
        )
        return httpx.Response(
            parser.get_status_code(),
            headers=parsed.headers,
            stream=stream,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": parsed.reason},
        )

    async def _open(self, key: tuple[str, int], seconds: float | None) -> _Connection:
        try:
            async with asyncio.timeout(seconds):
                reader, writer = await asyncio.open_connection(*key, limit=_READ_SIZE)
        except TimeoutError as error:
            raise httpx.ConnectTimeout(f"no connection to {key[0]}:{key[1]} in time") from error
        except OSError as error:
            raise httpx.ConnectError(str(error)) from error
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        for stack in self._idle.values():
            for conn in stack:
                conn.close()
        self._idle.clear()
