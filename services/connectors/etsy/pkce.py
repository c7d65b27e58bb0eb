"""OAuth 2 authorization code with PKCE (RFC 7636), as Etsy requires it. Pure.

Etsy accepts only the S256 method: the challenge is the unpadded base64url SHA-256 of the
verifier, and the verifier is 43–128 characters of ``[A-Za-z0-9-._~]``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import urlencode

VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
SCOPES = ("transactions_r", "transactions_w", "shops_r")


def new_verifier() -> str:
    """A fresh code verifier: 64 url-safe characters from 48 random bytes."""
    return secrets.token_urlsafe(48)


def new_state() -> str:
    """The CSRF guard sent with the authorize URL and checked on the callback."""
    return secrets.token_urlsafe(24)


def challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    if not VERIFIER.match(verifier):
        raise ValueError("a PKCE code verifier is 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    base: str,
    *,
    keystring: str,
    redirect_uri: str,
    state: str,
    verifier: str,
    scopes: tuple[str, ...] = SCOPES,
) -> str:
    """Where the seller approves access: Etsy's ``/oauth/connect`` with the challenge."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": keystring,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{base}?{query}"
