"""A Lotline API key that strays into a log line keeps only its prefix."""

from services.gateway.access.tokens import new_api_key
from shared.observability.redaction import redact_text


def test_an_api_key_in_text_loses_its_secret_but_keeps_its_prefix():
    key = new_api_key()

    cleaned = redact_text(f"retrying with {key.full} after a 503")

    assert key.full not in cleaned
    assert f"llk_{key.prefix}_[redacted]" in cleaned
