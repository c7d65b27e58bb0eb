"""Production refuses the secrets the README and the demo data make public."""

import pytest
from pydantic import SecretStr, ValidationError

from shared.settings import GatewaySettings, PostgresSettings, SecretsSettings, Settings

OWN_KEY = SecretStr("ZG9udC11c2UtdGhpcy1rZXktaW4tcmVhbC1saWZlLTE=")


def production(**changes) -> Settings:
    base = {
        "environment": "production",
        "pg": PostgresSettings(password=SecretStr("s3cret-Pg!")),
        "secrets": SecretsSettings(keys=[OWN_KEY]),
    }
    return Settings(**{**base, **changes})


def test_production_with_real_secrets_starts():
    assert production().environment == "production"


def test_an_empty_database_password_is_refused_in_production():
    with pytest.raises(ValidationError, match="LOTLINE_PG__PASSWORD"):
        production(pg=PostgresSettings())


def test_a_known_first_admin_password_is_refused_in_production():
    with pytest.raises(ValidationError, match="FIRST_ADMIN_PASSWORD"):
        production(gateway=GatewaySettings(first_admin_password=SecretStr("changeme")))


def test_session_cookies_stay_secure_in_production():
    with pytest.raises(ValidationError, match="COOKIE_SECURE"):
        production(gateway=GatewaySettings(cookie_secure=False))


def test_the_demo_key_for_stored_secrets_is_refused_in_production():
    with pytest.raises(ValidationError, match="LOTLINE_SECRETS__KEYS"):
        production(secrets=SecretsSettings())


def test_demo_mode_accepts_the_demo_defaults():
    assert Settings(environment="dev").pg.password.get_secret_value() == ""
