"""connectors: Amazon sellers (Login with Amazon, encrypted) and the orders polled from them

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 04:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "connectors_amazon_seller",
        sa.Column("seller_id", sa.Text, primary_key=True),
        sa.Column(
            "domain",
            sa.Text,
            sa.ForeignKey("connectors_shop.domain"),
            nullable=False,
            unique=True,
        ),
        sa.Column("marketplace_ids", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("lwa_client_id", sa.Text, nullable=False),
        sa.Column("lwa_client_secret", sa.Text, nullable=False),
        sa.Column("refresh_token", sa.Text),
        sa.Column("access_token", sa.Text),
        sa.Column("access_expires_at", sa.DateTime(timezone=True)),
        sa.Column("tokens_updated_at", sa.DateTime(timezone=True)),
        sa.Column("refresh_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_reason", sa.Text),
        sa.Column("orders_watermark", sa.DateTime(timezone=True)),
        sa.Column("last_polled_at", sa.DateTime(timezone=True)),
        sa.Column("last_poll_error", sa.Text),
        _now("created_at"),
    )
    op.create_table(
        "connectors_amazon_order",
        sa.Column("seller_id", sa.Text, primary_key=True),
        sa.Column("amazon_order_id", sa.Text, primary_key=True),
        sa.Column("order_status", sa.Text, nullable=False),
        sa.Column("fulfillment_channel", sa.Text, nullable=False),
        sa.Column("marketplace_id", sa.Text),
        sa.Column("last_update_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_amount", sa.Numeric),
        sa.Column("total_currency", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("buyer_cancel_reason", sa.Text),
        sa.Column("problem", sa.Text),
        _now("first_seen_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "outcome IN ('pending', 'published', 'cancel_requested', 'cancelled_unpublished', "
            "'cancelled_after_publish', 'shipped_before_seen', 'fba_sale', 'unreadable')",
            name="amazon_order_outcome",
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("connectors_amazon_order")
    op.drop_table("connectors_amazon_seller")
