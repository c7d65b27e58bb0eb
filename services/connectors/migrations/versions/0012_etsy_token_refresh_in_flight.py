"""etsy: a refresh in flight is recorded before Etsy is asked

A refresh token works once; if Etsy's answer (the new token) is lost to a crash or a timeout
before our commit, the shop can no longer refresh. The row written (and committed) before
the call and deleted with the new tokens lets the next refresh name that cause.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:30:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "connectors_etsy_token_refresh",
        sa.Column("shop_id", sa.Text, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("connectors_etsy_token_refresh")
