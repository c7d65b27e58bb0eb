"""Secrets at rest: round trip, rotation under MultiFernet, legacy plain text, a dropped key
said in words, the API's hint, and a 422 that never echoes a secret (production refusing the
demo key: ``test_production_settings``)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from shared import encryption
from shared.http import redacted
from shared.settings import DEMO_SECRETS_KEY


@pytest.fixture(autouse=True)
def demo_key():
    yield
    encryption.configure([DEMO_SECRETS_KEY])


def test_a_secret_is_stored_as_a_token_and_read_back():
    stored = encryption.encrypt("shpat_abc123")

    assert encryption.is_encrypted(stored) and "shpat" not in stored
    assert encryption.decrypt(stored) == "shpat_abc123"
    assert encryption.encrypt("shpat_abc123") != stored  # no two alike: nothing to compare


def test_a_rotated_key_still_reads_old_rows_and_rotation_moves_them_to_the_new_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    encryption.configure([old])
    written = encryption.encrypt("whsec-1")

    encryption.configure([new, old])
    assert encryption.decrypt(written) == "whsec-1"
    rotated = encryption.rotate(written)

    encryption.configure([new])
    assert encryption.decrypt(rotated) == "whsec-1"
    with pytest.raises(encryption.SecretUnreadable, match="LOTLINE_SECRETS__KEYS"):
        encryption.decrypt(written)


def test_plain_text_from_before_encryption_reads_as_is_and_rotates_into_a_token():
    assert encryption.decrypt("legacy-secret") == "legacy-secret"
    assert encryption.decrypt(encryption.rotate("legacy-secret")) == "legacy-secret"


def test_the_api_shows_at_most_the_last_four_characters():
    assert encryption.hint("shpat_0123456789") == "…6789"
    assert encryption.hint("short") == "…"
    assert encryption.hint(None) is None


def test_a_refused_request_never_echoes_a_secret():
    errors = [
        {"loc": ("body", "webhook_secret"), "msg": "bad", "input": "s3cret\x00", "ctx": {}},
        {"loc": ("body",), "msg": "bad", "input": {"access_token": "shpat_x", "domain": "d"}},
        {"loc": ("body", "domain"), "msg": "bad", "input": "bad domain"},
    ]

    shown = redacted(errors)

    assert "input" not in shown[0]
    assert shown[1]["input"] == {"access_token": "***", "domain": "d"}
    assert shown[2]["input"] == "bad domain"
