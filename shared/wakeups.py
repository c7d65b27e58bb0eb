"""Wake an in-process worker once a transaction that gave it work has committed, so the
worker can sleep on a slow fallback interval instead of polling fast (issue 14).

A use case marks its connection (``mark(conn, "outbox")``); when that connection goes back
to the pool, which is after its commit, every wake-up registered for the mark on that
engine runs (``wake_after_commit``). A rolled-back transaction forgets its marks and wakes
nobody. Work staged by another process is found by the worker's fallback interval.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import Pool

_MARKS = "lotline_wake_after_commit"


def mark(conn: AsyncConnection, what: str) -> None:
    """Say that this transaction gives ``what`` work (woken after the commit)."""
    conn.info.setdefault(_MARKS, set()).add(what)


def _forget(conn: Connection) -> None:
    conn.info.pop(_MARKS, None)


def wake_after_commit(engine: AsyncEngine, what: str, wake: Callable[[], None]) -> None:
    """Call ``wake`` each time a connection of ``engine`` marked ``what`` is checked back
    into the pool after its transaction committed (every wake-up registered for it)."""
    sync = engine.sync_engine
    wakers = _wakers.get(sync.pool)
    if wakers is None:
        wakers = _wakers[sync.pool] = {}
        event.listen(sync, "rollback", _forget)
        event.listen(sync.pool, "checkin", functools.partial(_on_checkin, wakers))
    wakers.setdefault(what, []).append(wake)


_wakers: weakref.WeakKeyDictionary[Pool, dict[str, list[Callable[[], None]]]] = (
    weakref.WeakKeyDictionary()
)


def _on_checkin(wakers: dict[str, list[Callable[[], None]]], _dbapi: Any, record: Any) -> None:
    marks = record.info.pop(_MARKS, None) if record is not None else None
    for what in marks or ():
        for wake in wakers.get(what, ()):
            wake()
