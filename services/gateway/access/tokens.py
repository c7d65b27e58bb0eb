"""Session tokens and API keys: random, shown once, stored only as a SHA-256 digest.

Both carry 256 bits of randomness, so a fast hash is enough (argon2 is for passwords,
which people choose); a leaked copy of the tables opens no session and no key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

KEY_FORMAT = re.compile(r"^llk_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def same(token: str, stored_digest: bytes) -> bool:
    """Constant-time: how much of a guess was right does not leak through timing."""
    return hmac.compare_digest(digest(token), stored_digest)


@dataclass(frozen=True)
class NewApiKey:
    """A key as created: ``full`` is shown to the admin once and never stored."""

    full: str
    prefix: str
    secret_hash: bytes


def new_api_key() -> NewApiKey:
    prefix = secrets.token_hex(6)
    full = f"llk_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(full=full, prefix=prefix, secret_hash=digest(full))


def api_key_prefix(presented: str) -> str | None:
    """The lookup part of a well-formed key, else None (a malformed key costs no query)."""
    found = KEY_FORMAT.match(presented)
    return found.group("prefix") if found else None
