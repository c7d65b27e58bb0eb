"""production orders get a readable number (MO-00042), back-filled in creation order

People name a production order by a short number, not a UUID: a per-database sequence
assigns it at creation. Existing orders are numbered oldest first and the sequence
continues after them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE SEQUENCE production_order_number_seq")
    op.add_column("production_order", sa.Column("number", sa.BigInteger))
    op.execute(
        """
        UPDATE production_order AS p SET number = numbered.n
        FROM (
            SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM production_order
        ) AS numbered
        WHERE p.id = numbered.id
        """
    )
    op.execute(
        "SELECT setval('production_order_number_seq', "
        "COALESCE((SELECT max(number) FROM production_order), 0) + 1, false)"
    )
    op.alter_column(
        "production_order",
        "number",
        nullable=False,
        server_default=sa.text("nextval('production_order_number_seq'::regclass)"),
    )
    op.execute("ALTER SEQUENCE production_order_number_seq OWNED BY production_order.number")
    op.create_unique_constraint("production_order_number_key", "production_order", ["number"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint("production_order_number_key", "production_order")
    op.drop_column("production_order", "number")  # drops the owned sequence too
