"""lot status in the stock lots

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: every lot seen so far was announced by LotChanged v1, as available."""
    op.add_column(
        'connectors_stock_lot',
        sa.Column('status', sa.Text(), server_default='available', nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('connectors_stock_lot', 'status')
