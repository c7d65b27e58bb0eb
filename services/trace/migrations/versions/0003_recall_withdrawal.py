"""a recall can be withdrawn

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('trace_recall', sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('trace_recall', sa.Column('withdrawn_by', sa.Text(), nullable=True))
    op.add_column('trace_recall', sa.Column('withdrawn_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('trace_recall', 'withdrawn_reason')
    op.drop_column('trace_recall', 'withdrawn_by')
    op.drop_column('trace_recall', 'withdrawn_at')
