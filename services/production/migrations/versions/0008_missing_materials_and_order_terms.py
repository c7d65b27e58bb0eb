"""what each order lacks at every level; each customer order's shop and shipping service

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('production_order_missing_material',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('missing', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.create_table('production_customer_order',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('shop', sa.Text(), nullable=True),
    sa.Column('shipping_service', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('order_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('production_customer_order')
    op.drop_table('production_order_missing_material')
