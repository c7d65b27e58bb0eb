"""The connectors database: shops and their secrets, SKU mappings, webhook deliveries,
and write-backs to the channels (fulfilments to create on Shopify)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from shared.db import timestamp
from shared.inbox import inbox_table
from shared.outbox import outbox_table

metadata = sa.MetaData()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)

shop = sa.Table(
    "connectors_shop",
    metadata,
    sa.Column("domain", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("webhook_secret", sa.Text, nullable=False),
    timestamp("created_at"),
    # Admin API access for write-backs; a null URL means the shop's own default URL.
    sa.Column("admin_api_url", sa.Text),
    sa.Column("access_token", sa.Text),
    sa.Column("notify_customer", sa.Boolean, nullable=False, server_default=sa.false()),
)

sku_mapping = sa.Table(
    "connectors_sku_mapping",
    metadata,
    sa.Column("shop_domain", sa.Text, sa.ForeignKey("connectors_shop.domain"), primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    timestamp("updated_at"),
)

webhook_delivery = sa.Table(
    "connectors_webhook_delivery",
    metadata,
    sa.Column("webhook_id", sa.Text, primary_key=True),
    sa.Column("shop_domain", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text),
    sa.Column("external_id", sa.Text),
    sa.Column("outcome", sa.Text, nullable=False),
    timestamp("received_at"),
)

write_back = sa.Table(
    "connectors_write_back",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("shipment_id", PgUUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("order_id", PgUUID(as_uuid=True), nullable=False),
    sa.Column("shop", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("external_fulfillment_id", sa.Text),
    # The ShipmentDispatched behind the row, so its events carry the flow's causality.
    sa.Column("correlation_id", PgUUID(as_uuid=True)),
    sa.Column("causation_id", PgUUID(as_uuid=True)),
    # A worker holds a pending row until then; a crashed worker's lease simply runs out.
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    timestamp("created_at"),
    timestamp("updated_at"),
    sa.CheckConstraint("status IN ('pending', 'done', 'dead')", name="write_back_status"),
    sa.Index("connectors_write_back_by_status", "status", "created_at"),
    sa.Index("connectors_write_back_by_order", "shop", "external_id"),
)
