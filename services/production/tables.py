"""The production database: production orders and the order lines they serve."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from shared.db import timestamp
from shared.inbox import inbox_table
from shared.outbox import outbox_table

metadata = sa.MetaData()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)

QTY = sa.Numeric(18, 6)

production_order = sa.Table(
    "production_order",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    timestamp("created_at"),
    sa.CheckConstraint("quantity > 0", name="production_quantity_positive"),
)

demand = sa.Table(
    "production_order_demand",
    metadata,
    sa.Column(
        "production_order_id",
        PgUUID(as_uuid=True),
        sa.ForeignKey("production_order.id"),
        primary_key=True,
    ),
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Index("production_demand_order", "order_id"),
)
