"""The connectors database: shops and their secrets, SKU mappings, webhook deliveries."""

import sqlalchemy as sa

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
