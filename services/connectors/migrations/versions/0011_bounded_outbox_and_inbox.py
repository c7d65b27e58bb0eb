"""bounded storage: published outbox rows are deleted, inbox ids are pruned by age

The relay now deletes a row in the transaction that published it, so the rows it had only
marked go now and published_at (with its partial index) has no use; the inbox gets an
index on processed_at for the prune (shared.retention).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:00:00.000000

"""
from typing import Sequence, Union

from shared.storage_migrations import bound_outbox_and_inbox, unbound_outbox_and_inbox


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    bound_outbox_and_inbox()


def downgrade() -> None:
    """Downgrade schema."""
    unbound_outbox_and_inbox()
