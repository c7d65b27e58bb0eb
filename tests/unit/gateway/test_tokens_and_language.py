"""API keys, session tokens and the language a page is answered in."""

from services.gateway.access import passwords, tokens
from services.gateway.dashboard.i18n import negotiate


def test_a_new_key_is_recognised_by_its_prefix_and_matches_only_its_hash():
    key = tokens.new_api_key()

    assert tokens.api_key_prefix(key.full) == key.prefix
    assert tokens.same(key.full, key.secret_hash)
    assert not tokens.same(key.full[:-1] + ("A" if key.full[-1] != "A" else "B"), key.secret_hash)
    assert key.full not in key.secret_hash.hex()


def test_malformed_keys_cost_no_lookup():
    for bad in ("", "Bearer x", "llk_short_x", "llk_0123456789ab_" + "x" * 10):
        assert tokens.api_key_prefix(bad) is None


def test_passwords_are_argon2_and_verify():
    stored = passwords.hash_password("correct horse battery")

    assert stored.startswith("$argon2id$")
    assert passwords.verify("correct horse battery", stored)
    assert not passwords.verify("wrong horse battery", stored)
    assert not passwords.verify("anything", None)


def test_weak_passwords_are_refused_with_a_reason():
    assert passwords.weakness("short", username="anna") is not None
    assert passwords.weakness("annaannaanna", username="AnnaAnnaAnna") is not None
    assert passwords.weakness("a long enough phrase", username="anna") is None


def test_the_users_choice_wins_then_the_browsers_best_supported_language():
    assert negotiate("it-IT,it;q=0.9,en;q=0.8") == "it"
    assert negotiate("de-DE,de;q=0.9,en;q=0.5,it;q=0.4") == "en"
    assert negotiate("it;q=0.9", preferred="en") == "en"
    assert negotiate(None) == "en"
    assert negotiate("fr") == "en"
