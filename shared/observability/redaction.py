"""What never reaches a log line or a probe's answer: credentials in URLs, and the values
of fields whose names say they hold a secret."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

SECRET_NAMES = re.compile(
    r"(pass(word)?|secret|token|authori[sz]ation|api[_-]?key|cookie|signature|credential)",
    re.IGNORECASE,
)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]+):[^@/\s]+@")
# Lotline's own API keys (llk_<prefix>_<secret>): the prefix stays, to tell keys apart.
_API_KEY = re.compile(r"\b(?P<prefix>llk_[0-9a-f]{12}_)[A-Za-z0-9_-]{20,}")
_BEARER = re.compile(r"(?P<kind>bearer|basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def redact_text(text: str) -> str:
    """``scheme://user:password@`` becomes ``scheme://user:[redacted]@``; bearer tokens go.

    Every log line passes here: a pattern runs only when the text holds what it needs to
    match at all (``://`` and ``@``, ``llk_``, "bearer" or "basic"), as most lines do not."""
    if "@" in text and "://" in text:
        text = _URL_CREDENTIALS.sub(rf"\g<scheme>\g<user>:{REDACTED}@", text)
    if "llk_" in text:
        text = _API_KEY.sub(rf"\g<prefix>{REDACTED}", text)
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        text = _BEARER.sub(rf"\g<kind> {REDACTED}", text)
    return text


@functools.lru_cache(maxsize=1024)
def _secret_name(key: str) -> bool:
    return SECRET_NAMES.search(key) is not None


def redact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A copy in which secret-named fields are hidden and strings lose URL credentials."""
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if _secret_name(key):
            clean[key] = REDACTED
        elif isinstance(value, str):
            clean[key] = redact_text(value)
        elif isinstance(value, Mapping):
            clean[key] = redact_fields(value)
        else:
            clean[key] = value
    return clean
