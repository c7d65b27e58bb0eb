"""connectors: an outbound webhook's secret rotated in place (issue 17, section 4)

The secret a rotation replaced (encrypted, like the current one) and until when it still
signs beside the new one; when the subscription's secret was last rotated.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:40:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLE = "connectors_outbound_webhook"


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(TABLE, sa.Column("previous_secret", sa.Text))
    op.add_column(TABLE, sa.Column("previous_secret_until", sa.DateTime(timezone=True)))
    op.add_column(TABLE, sa.Column("secret_rotated_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column(TABLE, "secret_rotated_at")
    op.drop_column(TABLE, "previous_secret_until")
    op.drop_column(TABLE, "previous_secret")
