"""orders: production orders' readable numbers on the links; facts behind timeline entries

An order names the production orders serving it by their number (MO-00042) once
production says it; each timeline entry keeps the facts it states (lot, quantity, number,
tracking…) so the dashboard can say it as a sentence in the reader's language.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("orders_production_link", sa.Column("production_number", sa.Text))
    op.add_column("orders_channel_event", sa.Column("data", JSONB))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("orders_channel_event", "data")
    op.drop_column("orders_production_link", "production_number")
