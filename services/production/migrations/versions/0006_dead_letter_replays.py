"""dead letter replays

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('dead_letter_replay',
    sa.Column('dlq_topic', sa.Text(), nullable=False),
    sa.Column('dlq_partition', sa.Integer(), nullable=False),
    sa.Column('dlq_offset', sa.BigInteger(), nullable=False),
    sa.Column('original_topic', sa.Text(), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=True),
    sa.Column('event_type', sa.Text(), nullable=True),
    sa.Column('replayed_by', sa.Text(), nullable=False),
    sa.Column('replayed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('dlq_topic', 'dlq_partition', 'dlq_offset')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('dead_letter_replay')
