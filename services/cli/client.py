"""A small HTTP client of the gateway: one-line errors instead of tracebacks."""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Connection:
    """Where the gateway answers and the API key the CLI sends it."""

    url: str
    api_key: str | None


def config_path() -> Path:
    """``LOTLINE_CLI_CONFIG``, else ``~/.config/lotline/cli.toml`` (written by ``make run``)."""
    configured = os.environ.get("LOTLINE_CLI_CONFIG")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lotline" / "cli.toml"


def key_from_config(path: Path) -> str | None:
    """The ``api_key`` of the CLI's TOML config file, if it has one."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    key = data.get("api_key")
    return key if isinstance(key, str) and key else None


class GatewayError(Exception):
    """A request the gateway refused (``status`` set) or never answered (``status`` None)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def describe(answer: httpx.Response) -> str:
    """The answer's ``detail`` as one line (FastAPI validation errors flattened)."""
    try:
        body = answer.json()
    except ValueError:
        return answer.text.strip().replace("\n", " ")[:300] or answer.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):
        return "; ".join(_validation_error(e) for e in detail)
    return str(detail)


def _validation_error(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = ".".join(str(part) for part in error.get("loc", ())[1:])
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


class Gateway:
    """Requests against the gateway; statuses in ``accept`` are returned, others raise."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport, headers=headers
        )

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        accept: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> httpx.Response:
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise GatewayError(
                f"gateway not reachable at {self.base_url} ({type(error).__name__}): "
                "is `make up` running?"
            ) from error
        if answer.is_success or answer.status_code in accept:
            return answer
        if answer.status_code == 401:
            raise GatewayError(
                f"{method} {path} failed: HTTP 401: {describe(answer)} — give the CLI an API key "
                "(LOTLINE_API_KEY, --api-key, or api_key in its config file: lotline --help)",
                status=401,
            )
        raise GatewayError(
            f"{method} {path} failed: HTTP {answer.status_code}: {describe(answer)}",
            status=answer.status_code,
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        """The decoded JSON of a successful GET."""
        return self.request("GET", path, **kwargs).json()


def is_unknown_item(answer: httpx.Response) -> bool:
    """Production's 422 for an item it has not heard of (yet: its copy of the items lags)."""
    return answer.status_code == 422 and describe(answer).endswith(" is unknown")


def post_when_known(
    gateway: Gateway,
    path: str,
    body: Any,
    *,
    wait: float,
    on_retry: Callable[[str], None] = lambda _detail: None,
    poll: float = 0.5,
) -> httpx.Response:
    """POST ``body``, retrying for up to ``wait`` seconds while production answers that an
    item is unknown: items created a moment ago reach production's read model a bit later."""
    deadline = time.monotonic() + wait
    retried = False
    while True:
        answer = gateway.request("POST", path, json=body, accept=frozenset({422}))
        if not is_unknown_item(answer) or time.monotonic() >= deadline:
            break
        if not retried:
            on_retry(describe(answer))
            retried = True
        time.sleep(poll)
    if answer.status_code == 422:
        raise GatewayError(f"POST {path} failed: HTTP 422: {describe(answer)}", status=422)
    return answer


def segment(value: str) -> str:
    """``value`` escaped as one URL path segment (SKUs may hold ``/`` or spaces)."""
    return quote(value, safe="")
