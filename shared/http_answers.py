"""What an outside HTTP service's answer means for the caller: go on, try again later, or
give up. One classifier for every channel and carrier client. Pure: status and headers in.

- 2xx is ``OK``.
- 408, 425, 429 and every 5xx are ``RETRY``: the same request may pass later. 429 and a
  marketplace's own throttle answer (Shopify's ``THROTTLED`` in a 200 GraphQL body, which
  the caller detects and passes as ``throttled=True``) are also ``throttled``.
- Any other status (3xx, 4xx) is ``REFUSED``: the same request would be refused again.

``wait_seconds`` is the service's own hint, from ``Retry-After`` (RFC 9110, 10.2.3): a
number of seconds — a fractional value such as ``2.5`` is honoured, not dropped — or an
HTTP date, counted from ``now``. A date in the past waits 0; a header that is neither gives
no hint (``None``), and the caller falls back to its own backoff.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

TRANSIENT_STATUSES = frozenset({408, 425, 429})


class Verdict(StrEnum):
    OK = "ok"
    RETRY = "retry"
    REFUSED = "refused"


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    throttled: bool = False
    wait_seconds: float | None = None

    @property
    def retryable(self) -> bool:
        return self.verdict is Verdict.RETRY


def retry_after_seconds(header: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delay-seconds (fractional accepted) or an HTTP date."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def classify(
    status: int,
    headers: Mapping[str, str] | None = None,
    *,
    throttled: bool = False,
    now: datetime | None = None,
) -> Answer:
    """The verdict on one answer, whether it was a throttle, and the service's wait hint."""
    wait = retry_after_seconds(_header(headers or {}, "Retry-After"), now=now)
    if throttled or status == 429:
        return Answer(Verdict.RETRY, throttled=True, wait_seconds=wait)
    if 200 <= status < 300:
        return Answer(Verdict.OK)
    if status in TRANSIENT_STATUSES or status >= 500:
        return Answer(Verdict.RETRY, wait_seconds=wait)
    return Answer(Verdict.REFUSED)
