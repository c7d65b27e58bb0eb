"""intake: mapping keys of lines without a SKU, the prices paid, test orders (issue 18)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "orders_order",
        sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    for name in ("subtotal", "discounts", "shipping", "tax", "total"):
        op.add_column("orders_order", sa.Column(name, sa.Numeric(), nullable=True))
    op.add_column("orders_line", sa.Column("mapping_key", sa.Text(), nullable=True))
    for name in ("gross", "discount", "net"):
        op.add_column("orders_line", sa.Column(name, sa.Numeric(), nullable=True))


def downgrade() -> None:
    for name in ("net", "discount", "gross", "mapping_key"):
        op.drop_column("orders_line", name)
    for name in ("total", "tax", "shipping", "discounts", "subtotal", "is_test"):
        op.drop_column("orders_order", name)
