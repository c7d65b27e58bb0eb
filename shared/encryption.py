"""Credentials at rest: every stored secret (a shop's webhook secret, access and refresh
tokens) is Fernet-encrypted with the deployment's keys (``LOTLINE_SECRETS__KEYS``), so a
database dump or a backup holds no usable credential.

``EncryptedText`` is the column type: repositories read and write plain strings and never
see ciphertext. The first key encrypts and every key decrypts (``MultiFernet``), so keys
rotate without downtime: add the new key first, re-encrypt (``rotate``), drop the old one.
A stored value that is not a Fernet token is a row written before encryption: it is read as
it is until the connectors' migration encrypts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

TOKEN_PREFIX = "gAAAAA"  # every Fernet token (version byte 0x80, then the timestamp)

_keyring: MultiFernet | None = None


class SecretUnreadable(RuntimeError):
    """A stored secret none of the configured keys decrypts (a key dropped too early)."""


def configure(keys: Sequence[SecretStr | str]) -> None:
    """Use ``keys`` from now on (the service's settings, at start)."""
    global _keyring
    plain = [k.get_secret_value() if isinstance(k, SecretStr) else k for k in keys]
    if not plain:
        raise ValueError("at least one key is needed to store secrets")
    _keyring = MultiFernet([Fernet(k.encode()) for k in plain])


def keyring() -> MultiFernet:
    """The keys in use (a new object whenever they are configured anew)."""
    return _keys()


def _keys() -> MultiFernet:
    if _keyring is None:  # a process that did not configure: the deployment's settings
        from shared.settings import get_settings

        configure(get_settings().secrets.keys)
    assert _keyring is not None
    return _keyring


def is_encrypted(stored: str) -> bool:
    return stored.startswith(TOKEN_PREFIX)


def encrypt(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not is_encrypted(stored):
        return stored  # written before encryption; the migration encrypts it
    try:
        return _keys().decrypt(stored.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with LOTLINE_SECRETS__KEYS "
            "(was the key that wrote it removed?)"
        ) from error


def rotate(stored: str) -> str:
    """The same secret under the first key (plaintext from before encryption included)."""
    if not is_encrypted(stored):
        return encrypt(stored)
    return _keys().rotate(stored.encode()).decode()


def hint(plain: str | None) -> str | None:
    """What the API may show of a secret: its last four characters."""
    if not plain:
        return None
    return "…" + plain[-4:] if len(plain) > 8 else "…"


class EncryptedText(sa.types.TypeDecorator[str]):
    """A text column whose values are stored encrypted and read back in the clear."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)
