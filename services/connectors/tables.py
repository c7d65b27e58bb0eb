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

# --- Manual and bulk channels, stock push (issue 4, points 6, 10, 11) ------------------------

# Inventory's items as announced (ItemDefined): manual and CSV lines are checked against them.
item = sa.Table(
    "connectors_item",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("base_unit", sa.Text, nullable=False),
    timestamp("updated_at"),
)

# One row per Idempotency-Key: the same key and body answer the same order, another body 409.
manual_order = sa.Table(
    "connectors_manual_order",
    metadata,
    sa.Column("idempotency_key", sa.Text, primary_key=True),
    sa.Column("request_sha256", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=False, unique=True),
    sa.Column("order_id", PgUUID(as_uuid=True), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sales_rep", sa.Text),
    timestamp("created_at"),
)

# One row per wholesale order reference ever imported: re-importing a file creates nothing.
imported_order = sa.Table(
    "connectors_imported_order",
    metadata,
    sa.Column("reference", sa.Text, primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), nullable=False),
    sa.Column("file_sha256", sa.Text, nullable=False),
    sa.Column("line_count", sa.Integer, nullable=False),
    timestamp("created_at"),
)

# Inventory's lots as announced (LotChanged), newest revision kept: what a shop may sell.
stock_lot = sa.Table(
    "connectors_stock_lot",
    metadata,
    sa.Column("lot_code", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("on_hand", sa.Numeric(18, 6), nullable=False),
    sa.Column("reserved", sa.Numeric(18, 6), nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("expires_on", sa.Date),
    sa.Column("revision", sa.BigInteger, nullable=False),
)

# Per (shop, SKU): the quantity Lotline wants the shop to show (intended), the last one it
# set (pushed) and the last one the shop reported, so drift is visible; a row is due for a
# push while ``pending_since`` is set (debounced on ``changed_at``).
stock_sync = sa.Table(
    "connectors_stock_sync",
    metadata,
    sa.Column("shop", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("intended", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("pending_since", sa.DateTime(timezone=True)),
    sa.Column("pushed", sa.Integer),
    sa.Column("pushed_at", sa.DateTime(timezone=True)),
    sa.Column("reported", sa.Integer),
    sa.Column("reported_at", sa.DateTime(timezone=True)),
    sa.Column("pushes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("checked_at", sa.DateTime(timezone=True)),
)
