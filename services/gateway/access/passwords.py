"""Passwords: argon2id through pwdlib; a new password must be long enough to resist guessing."""

from __future__ import annotations

import secrets
from functools import lru_cache

from pwdlib import PasswordHash

MIN_LENGTH = 10


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    return PasswordHash.recommended()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(password: str, stored_hash: str | None) -> bool:
    """True when ``password`` matches; an unknown user costs the same time as a known one."""
    if stored_hash is None:
        hasher().verify(password, _dummy_hash())
        return False
    return hasher().verify(password, stored_hash)


def weakness(password: str, *, username: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if password.lower() == username.lower():
        return "a password must not be the username"
    return None


def generate_password() -> str:
    """A first admin's (or a reset) password: printed once, 20 URL-safe characters."""
    return secrets.token_urlsafe(15)
