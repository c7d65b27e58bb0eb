"""bounded storage: published outbox rows are deleted, inbox ids are pruned by age

The relay now deletes a row in the transaction that published it, so the rows it had only
marked go now and published_at (with its partial index) has no use; the inbox gets an
index on processed_at for the prune (shared.retention).

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-10 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("DELETE FROM outbox WHERE published_at IS NOT NULL")
    op.drop_index('outbox_unpublished', table_name='outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_column('outbox', 'published_at')
    op.create_index('inbox_by_processed_at', 'inbox', ['processed_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('inbox_by_processed_at', table_name='inbox')
    op.add_column('outbox', sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('outbox_unpublished', 'outbox', ['id'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
