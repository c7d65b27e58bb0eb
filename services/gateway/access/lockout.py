"""Sign-in lock-out: too many failures for one account, or from one address, in a window.

Pure: the repository fetches recent failure times; this decides and says until when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Lockout:
    """Refused before the password is even checked; ``retry_after`` seconds to wait."""

    reason: str
    retry_after: int


def locked_until(failures: Sequence[datetime], *, limit: int, window: timedelta) -> datetime | None:
    """With ``failures`` newest first: locked while ``limit`` of them lie within the window."""
    if len(failures) < limit:
        return None
    return failures[limit - 1] + window


def lockout(
    *,
    account_failures: Sequence[datetime],
    address_failures: Sequence[datetime],
    now: datetime,
    window: timedelta,
    account_limit: int,
    address_limit: int,
) -> Lockout | None:
    """The lock-out in force now, if any (the account's is named first: it is the likelier)."""
    for failures, limit, reason in (
        (account_failures, account_limit, "too many failed sign-ins for this account"),
        (address_failures, address_limit, "too many failed sign-ins from this address"),
    ):
        until = locked_until(failures, limit=limit, window=window)
        if until is not None and until > now:
            return Lockout(reason=reason, retry_after=max(1, int((until - now).total_seconds())))
    return None
