"""lot status in the lot read model

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: every lot seen so far was announced by LotChanged v1, as available."""
    op.add_column(
        'production_lot',
        sa.Column('status', sa.Text(), server_default='available', nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('production_lot', 'status')
