"""The orders database: orders, lines, what inventory reserved and production planned."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from shared.db import timestamp
from shared.dead_letters.replays import replay_table
from shared.inbox import inbox_table
from shared.outbox import outbox_table

metadata = sa.MetaData()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
DEAD_LETTER_REPLAY = replay_table(metadata)

QTY = sa.Numeric(18, 6)
MONEY = sa.Numeric(18, 4)


order = sa.Table(
    "orders_order",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("shop", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("external_number", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("hold_reason", sa.Text),
    sa.Column("currency", sa.Text),
    sa.Column("customer", JSONB, nullable=False),
    sa.Column("placed_at", sa.DateTime(timezone=True)),
    sa.Column("requested_on", sa.Date),
    # The delivery date production promises (OrderPromised) and the step that sets it.
    sa.Column("promised_on", sa.Date),
    sa.Column("promise_reason", sa.Text),
    # What its production lacks at every recipe level (OrderMaterialsChanged); NULL until
    # production first says, [] when nothing is missing.
    sa.Column("missing_materials", JSONB),
    # The recall that put it on hold (released when that recall is withdrawn).
    sa.Column("held_by_recall", PgUUID(as_uuid=True)),
    timestamp("created_at"),
    timestamp("updated_at"),
    # The channel's updated_at of the last edit applied (issue 4): older edits are ignored.
    sa.Column("channel_version", sa.DateTime(timezone=True)),
    # Issue 18: the channel's test order (kept, shown as one, no demand unless its shop runs a
    # trial) and the order's money as the channel reported it, exact (unscaled numeric).
    sa.Column("is_test", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("subtotal", sa.Numeric),
    sa.Column("discounts", sa.Numeric),
    sa.Column("shipping", sa.Numeric),
    sa.Column("tax", sa.Numeric),
    sa.Column("total", sa.Numeric),
    sa.UniqueConstraint("channel", "external_id", name="one_order_per_channel_order"),
)

line = sa.Table(
    "orders_line",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("external_line_id", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("unit_price", MONEY),
    sa.Column("currency", sa.Text),
    # Issue 18: what a line without a SKU is mapped by, and what the customer pays for it.
    sa.Column("mapping_key", sa.Text),
    sa.Column("gross", sa.Numeric),
    sa.Column("discount", sa.Numeric),
    sa.Column("net", sa.Numeric),
)

reservation = sa.Table(
    "orders_reservation",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("lot_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("expires_on", sa.Date),
    sa.Index("orders_reservation_order", "order_id"),
)

# Issue 17: what one base unit of each lot cost, as inventory announced it (LotReceived's
# unit_cost); an order's cost of goods is its reserved lots times these (cost_rules).
lot_cost = sa.Table(
    "orders_lot_cost",
    metadata,
    sa.Column("lot_code", sa.Text, primary_key=True),
    sa.Column("unit_cost", sa.Numeric(24, 6)),
    sa.Column("currency", sa.Text),
    timestamp("updated_at"),
)

shortage = sa.Table(
    "orders_shortage",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("missing", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    # Why stock on hand did not cover it (inventory's Shortage.reason), e.g. too close to
    # expiry for the customer's minimum shelf-life rule.
    sa.Column("reason", sa.Text),
)

production_link = sa.Table(
    "orders_production_link",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("production_order_id", PgUUID(as_uuid=True), primary_key=True),
    # MO-00042, as production last said (NULL from a production before numbers).
    sa.Column("production_number", sa.Text),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="planned"),
    sa.Column("material_shortages", JSONB, nullable=False, server_default="[]"),
    sa.Index("orders_production_link_po", "production_order_id"),
)

status_history = sa.Table(
    "orders_status_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), nullable=False),
    sa.Column("previous", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    timestamp("at"),
    sa.Index("orders_status_history_order", "order_id"),
)

shipment = sa.Table(
    "orders_shipment",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), nullable=False),
    sa.Column("carrier", sa.Text, nullable=False),
    sa.Column("service", sa.Text),
    sa.Column("carrier_reference", sa.Text),
    sa.Column("tracking_number", sa.Text),
    sa.Column("tracking_url", sa.Text),
    sa.Column("label_pdf", sa.LargeBinary),
    sa.Column("status", sa.Text, nullable=False),
    timestamp("created_at"),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Index("orders_shipment_order", "order_id"),
    sa.UniqueConstraint("carrier", "carrier_reference", name="one_shipment_per_carrier_parcel"),
)

shipment_lot = sa.Table(
    "orders_shipment_lot",
    metadata,
    sa.Column(
        "shipment_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_shipment.id"), primary_key=True
    ),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("lot_code", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.CheckConstraint("quantity > 0", name="shipment_lot_positive"),
)

shipment_parcel = sa.Table(
    "orders_shipment_parcel",
    metadata,
    sa.Column(
        "shipment_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_shipment.id"), primary_key=True
    ),
    sa.Column("parcel_no", sa.Integer, primary_key=True),
    sa.Column("weight", QTY, nullable=False),
    sa.Column("weight_unit", sa.Text, nullable=False),
)

notification = sa.Table(
    "orders_notification",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False, server_default=""),
    sa.Column("locale", sa.Text, nullable=False),
    sa.Column("recipient", sa.Text),
    sa.Column("context", JSONB, nullable=False, server_default="{}"),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    timestamp("created_at"),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("order_id", "kind", "reference", name="one_notification_per_fact"),
    sa.Index(
        "orders_notification_pending", "created_at", postgresql_where=sa.text("status = 'pending'")
    ),
)

channel_event = sa.Table(
    "orders_channel_event",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), nullable=False),
    sa.Column("shipment_id", PgUUID(as_uuid=True)),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("detail", sa.Text),
    # The facts the entry states (services.orders.timeline.timeline_notes), for a sentence in the
    # reader's language; NULL on entries written before it.
    sa.Column("data", JSONB),
    timestamp("at"),
    sa.Index("orders_channel_event_order", "order_id"),
)


# --- Channel returns (issue 4) ------------------------------------------------------------

return_lot = sa.Table(
    "orders_return_lot",
    metadata,
    sa.Column("return_id", sa.Text, primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("lot_code", sa.Text, primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), sa.ForeignKey("orders_order.id"), nullable=False),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("destination", sa.Text, nullable=False),
    timestamp("returned_at"),
    sa.Index("orders_return_lot_by_order", "order_id"),
)

# --- SKU mappings and holds (issue 4, point 5) ---------------------------------------------

# The channels' SKU mappings as connectors announced them (SkuMappingChanged): an order that
# arrives after its mapping's event is completed from here, so no race leaves it held.
sku_mapping = sa.Table(
    "orders_sku_mapping",
    metadata,
    sa.Column("shop", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    timestamp("updated_at"),
)


# Events about an order not known yet (services.orders.parking), applied when it is.
parked_event = sa.Table(
    "orders_parked_event",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", PgUUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("order_id", PgUUID(as_uuid=True), nullable=False, index=True),
    sa.Column("envelope", JSONB, nullable=False),
    sa.Column(
        "parked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)
