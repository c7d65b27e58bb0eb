"""cost of goods: a unit cost per lot (issue 17)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:10:00.000000

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
    op.add_column('inventory_lot', sa.Column('unit_cost', sa.Numeric(24, 6), nullable=True))
    op.add_column('inventory_lot', sa.Column('unit_cost_currency', sa.Text(), nullable=True))
    op.add_column('inventory_lot', sa.Column('labour_cost', sa.Numeric(24, 6), nullable=True))
    op.add_column('inventory_lot', sa.Column('labour_currency', sa.Text(), nullable=True))
    # Lots received before: their receipt's cost over what was received (the receipt movement).
    op.execute(
        """
        UPDATE inventory_lot l SET unit_cost = round(l.cost / m.quantity, 6),
                                   unit_cost_currency = l.cost_currency
        FROM inventory_movement m
        WHERE m.lot_id = l.id AND m.kind = 'receipt' AND m.quantity > 0 AND l.cost IS NOT NULL
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('inventory_lot', 'labour_currency')
    op.drop_column('inventory_lot', 'labour_cost')
    op.drop_column('inventory_lot', 'unit_cost_currency')
    op.drop_column('inventory_lot', 'unit_cost')
