"""cost of goods: the unit cost of each lot, as inventory announced it (issue 17)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:20:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'orders_lot_cost',
        sa.Column('lot_code', sa.Text(), nullable=False),
        sa.Column('unit_cost', sa.Numeric(24, 6), nullable=True),
        sa.Column('currency', sa.Text(), nullable=True),
        sa.Column(
            'updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False
        ),
        sa.PrimaryKeyConstraint('lot_code'),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('orders_lot_cost')
