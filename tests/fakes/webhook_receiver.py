"""A webhook receiver on loopback for the outbound webhook tests: a real HTTP server in a
thread that records every request and answers as the test scripts it (fail with a status,
answer 429 with Retry-After, or hold the answer until an event: until the test saw the
request, for a slow answer, or until the sender's retry arrived, for one it gave up on)."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() when the request arrived
    headers: dict[str, str]
    body: bytes
    answered: int  # the status the receiver chose (a hung request's too)

    @property
    def document(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Rule:
    """Answer requests matching ``when`` (all of them if None) ``times`` times so."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    when: Callable[[Any], bool] | None = None
    until: threading.Event | None = None  # the rule stops applying once this is set
    hold_until: threading.Event | None = None  # the answer waits for this (never a time)
    releases: threading.Event | None = None  # set when a request takes this rule


class WebhookReceiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._rules: list[Rule] = []
        self._always: Rule | None = None
        self._watches: list[tuple[Callable[[Any], bool], threading.Event]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def script(self, *rules: Rule) -> None:
        with self._lock:
            self._rules.extend(rules)

    def watch(self, predicate: Callable[[Any], bool]) -> threading.Event:
        """An event set when a request whose JSON body matches ``predicate`` arrives."""
        arrived = threading.Event()
        with self._lock:
            self._watches.append((predicate, arrived))
        return arrived

    def always(self, rule: Rule | None) -> None:
        """Answer every request not taken by a scripted rule so (None: 200 at once)."""
        with self._lock:
            self._always = rule

    def received(self, predicate: Callable[[Received], bool] = lambda r: True) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if predicate(r)]

    def _choose(self, document: Any) -> Rule:
        with self._lock:
            for rule in self._rules:
                if rule.until is not None and rule.until.is_set():
                    continue
                if rule.times > 0 and (rule.when is None or rule.when(document)):
                    rule.times -= 1
                    if rule.releases is not None:
                        rule.releases.set()
                    return rule
            return self._always or Rule()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    document = json.loads(body)
                except ValueError:
                    document = None
                rule = receiver._choose(document)
                with receiver._lock:
                    receiver.requests.append(
                        Received(time.monotonic(), dict(self.headers.items()), body, rule.status)
                    )
                    for predicate, arrived in receiver._watches:
                        if document is not None and predicate(document):
                            arrived.set()
                if rule.hold_until is not None:
                    rule.hold_until.wait(timeout=60)
                try:
                    self.send_response(rule.status)
                    for name, value in rule.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting (a timeout under test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[WebhookReceiver]:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # a short poll: ``shutdown`` waits for the loop to look (0.5 s by default)
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)
