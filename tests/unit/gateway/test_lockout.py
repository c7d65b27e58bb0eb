"""Sign-in lock-out: decided from failure times alone."""

from datetime import UTC, datetime, timedelta

from services.gateway.access.lockout import lockout

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def failures(*minutes_ago: int) -> list[datetime]:
    return sorted((NOW - timedelta(minutes=m) for m in minutes_ago), reverse=True)


def decide(account: list[datetime], address: list[datetime] | None = None):
    return lockout(
        account_failures=account,
        address_failures=address or [],
        now=NOW,
        window=WINDOW,
        account_limit=5,
        address_limit=20,
    )


def test_four_failures_do_not_lock():
    assert decide(failures(1, 2, 3, 4)) is None


def test_the_fifth_failure_locks_until_it_leaves_the_window():
    locked = decide(failures(1, 2, 3, 4, 10))

    assert locked is not None
    assert "account" in locked.reason
    assert locked.retry_after == 5 * 60  # the 5th newest failure, 10 min ago, + 15 min


def test_the_lock_lifts_when_the_window_has_passed():
    assert decide(failures(16, 17, 18, 19, 20)) is None


def test_many_failures_from_one_address_lock_every_account_from_it():
    locked = decide([], failures(*[1] * 20))

    assert locked is not None and "address" in locked.reason
