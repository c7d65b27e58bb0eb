"""minimum remaining shelf life: rules per channel / customer, the rule an order was reserved under

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'inventory_shelf_life_rule',
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('min_days', sa.Integer(), nullable=True),
        sa.Column('min_fraction', sa.Text(), nullable=True),
        sa.Column(
            'updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False
        ),
        sa.CheckConstraint("scope IN ('channel', 'customer')", name='shelf_life_rule_scope'),
        sa.CheckConstraint(
            'min_days IS NOT NULL OR min_fraction IS NOT NULL', name='shelf_life_rule_asks_something'
        ),
        sa.PrimaryKeyConstraint('scope', 'key'),
    )
    op.add_column(
        'inventory_order_request',
        sa.Column('shelf_life', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('inventory_order_request', 'shelf_life')
    op.drop_table('inventory_shelf_life_rule')
