"""connectors: WooCommerce stores, the orders seen and the webhook deliveries seen

A store's consumer key (encrypted; its secret is the shop's access token, its base URL the
shop's admin_api_url), its reconciliation watermark; one row per WooCommerce order with its
newest applied status and date_modified_gmt; one row per webhook delivery id.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:45:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "connectors_woocommerce_store",
        sa.Column(
            "domain", sa.Text, sa.ForeignKey("connectors_shop.domain"), primary_key=True
        ),
        sa.Column("consumer_key", sa.Text, nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True)),
        sa.Column("last_reconciled_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        _now("created_at"),
    )
    op.create_table(
        "connectors_woocommerce_order",
        sa.Column("domain", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("date_modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        _now("first_seen_at"),
        _now("updated_at"),
    )
    op.create_table(
        "connectors_woocommerce_delivery",
        sa.Column("domain", sa.Text, primary_key=True),
        sa.Column("delivery_id", sa.Text, primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("order_id", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        _now("received_at"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("connectors_woocommerce_delivery")
    op.drop_table("connectors_woocommerce_order")
    op.drop_table("connectors_woocommerce_store")
