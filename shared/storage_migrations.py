"""Schema steps for the tables every service gets from ``shared`` (outbox, inbox), written
once and called by each service's own alembic revision, so five services cannot drift.

Each function is one released step and is never edited: a later change to these tables is
a new function here and a new revision in every service.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def bound_outbox_and_inbox() -> None:
    """The relay deletes what it publishes (rows it had only marked go now, with the
    published_at column and its partial index); the inbox is pruned by age
    (``shared.retention``), so it gets an index on processed_at."""
    op.execute("DELETE FROM outbox WHERE published_at IS NOT NULL")
    op.drop_index(
        "outbox_unpublished", table_name="outbox", postgresql_where=sa.text("published_at IS NULL")
    )
    op.drop_column("outbox", "published_at")
    op.create_index("inbox_by_processed_at", "inbox", ["processed_at"], unique=False)


def unbound_outbox_and_inbox() -> None:
    """``bound_outbox_and_inbox`` undone (published rows are gone for good)."""
    op.drop_index("inbox_by_processed_at", table_name="inbox")
    op.add_column("outbox", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "outbox_unpublished",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )
