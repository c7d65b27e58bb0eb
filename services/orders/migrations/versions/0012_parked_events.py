"""orders: events about an order not known yet are parked until it is

After a restore, consumers of different topics replay independently: a reservation can
be read before the channel order that creates the order. It waits here instead of being
dropped (services.orders.parking).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:10:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "orders_parked_event",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", PgUUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("order_id", PgUUID(as_uuid=True), nullable=False),
        sa.Column("envelope", JSONB, nullable=False),
        sa.Column(
            "parked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_orders_parked_event_order_id", "orders_parked_event", ["order_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("orders_parked_event")
