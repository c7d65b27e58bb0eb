"""cost of goods: a line's labour and overhead per minute, a completion's run time (issue 17)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:15:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        'production_line',
        sa.Column('cost_per_minute', sa.Numeric(18, 6), server_default='0', nullable=False),
    )
    op.add_column(
        'production_line',
        sa.Column('cost_currency', sa.Text(), server_default='EUR', nullable=False),
    )
    op.create_check_constraint(
        'production_line_cost_not_negative', 'production_line', 'cost_per_minute >= 0'
    )
    op.add_column('production_order', sa.Column('run_minutes', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('production_order', 'run_minutes')
    op.drop_constraint('production_line_cost_not_negative', 'production_line', type_='check')
    op.drop_column('production_line', 'cost_currency')
    op.drop_column('production_line', 'cost_per_minute')
