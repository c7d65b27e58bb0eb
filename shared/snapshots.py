"""Read models kept from another service's snapshot events (``LotChanged``,
``PurchaseOrderChanged``): each snapshot carries a revision, events can arrive late or
twice, so the stored row only ever moves to a higher revision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import Insert, insert

from shared.hot_sql import bound


def keep_newest(
    table: sa.Table,
    key: str,
    fields: Sequence[str],
    *,
    also_set: Mapping[str, Any] | None = None,
) -> Insert:
    """Insert the snapshot (named parameters: ``key`` and ``fields``, which include
    ``revision``), or overwrite the stored row with it only when its revision is higher: an
    older snapshot arriving late changes nothing. ``also_set`` adds columns an update sets
    (``updated_at``)."""
    statement = insert(table).values(bound(key, *fields))
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={**{name: statement.excluded[name] for name in fields}, **(also_set or {})},
        where=table.c.revision < statement.excluded.revision,
    )
