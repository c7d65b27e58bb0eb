"""The connectors database: shops and their secrets, SKU mappings, webhook deliveries,
and write-backs to the channels (fulfilments to create on Shopify)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from shared.db import timestamp
from shared.dead_letters.replays import replay_table
from shared.encryption import EncryptedText
from shared.inbox import inbox_table
from shared.outbox import outbox_table

metadata = sa.MetaData()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
DEAD_LETTER_REPLAY = replay_table(metadata)

shop = sa.Table(
    "connectors_shop",
    metadata,
    sa.Column("domain", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("webhook_secret", EncryptedText, nullable=False),
    timestamp("created_at"),
    # Admin API access for write-backs; a null URL means the shop's own default URL.
    sa.Column("admin_api_url", sa.Text),
    sa.Column("access_token", EncryptedText),
    sa.Column("notify_customer", sa.Boolean, nullable=False, server_default=sa.false()),
    # Shopify sync (issue 4): set by app/uninstalled; a disabled shop gets no more calls.
    sa.Column("uninstalled_at", sa.DateTime(timezone=True)),
    # Where a refund's restocked goods go: back to the lot they shipped from, or quarantine.
    sa.Column("restock_to", sa.Text, nullable=False, server_default="origin_lot"),
    # Issue 18: a shop on a trial run makes its test orders live demand (off: kept, flagged).
    sa.Column("test_orders_live", sa.Boolean, nullable=False, server_default=sa.false()),
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
    # The inbox of raw deliveries (issue 4): the body exactly as signed, processed later by
    # the delivery worker. Rows from before the inbox have no body and are ``done``.
    sa.Column("body", sa.LargeBinary),
    sa.Column("status", sa.Text, nullable=False, server_default="done"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("processed_at", sa.DateTime(timezone=True)),
    sa.Column("due_at", sa.DateTime(timezone=True)),  # a failed try waits until then
    sa.CheckConstraint("status IN ('pending', 'done', 'dead')", name="webhook_delivery_status"),
    sa.Index("connectors_webhook_delivery_by_status", "status", "received_at"),
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


# --- Shopify order sync (issue 4): what each channel order last looked like --------------

shopify_order = sa.Table(
    "connectors_shopify_order",
    metadata,
    sa.Column("shop_domain", sa.Text, primary_key=True),
    sa.Column("external_id", sa.Text, primary_key=True),
    # Shopify's updated_at of the newest snapshot applied: older ones change nothing.
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("cancelled_at", sa.DateTime(timezone=True)),
    # external line id → current quantity (whole pieces), as last applied
    sa.Column("lines", JSONB, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    timestamp("first_seen_at"),
    timestamp("changed_at"),
)

shopify_refund = sa.Table(
    "connectors_shopify_refund",
    metadata,
    sa.Column("shop_domain", sa.Text, primary_key=True),
    sa.Column("refund_id", sa.Text, primary_key=True),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    timestamp("received_at"),
)

shopify_reconciliation = sa.Table(
    "connectors_shopify_reconciliation",
    metadata,
    sa.Column("shop_domain", sa.Text, primary_key=True),
    # Orders updated at or after (watermark - overlap) are asked for on the next run.
    sa.Column("watermark", sa.DateTime(timezone=True)),
    sa.Column("status", sa.Text, nullable=False, server_default="idle"),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("last_run_at", sa.DateTime(timezone=True)),
    sa.Column("last_success_at", sa.DateTime(timezone=True)),
    sa.Column("orders_seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("orders_applied", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("status IN ('idle', 'ok', 'dead')", name="reconciliation_status"),
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
    # LotStatus: a blocked (recalled) or quarantined lot is sold nowhere (invariant 8).
    sa.Column("status", sa.Text, nullable=False, server_default="available"),
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

# --- Etsy (services/connectors/etsy) -------------------------------------------------------

etsy_shop = sa.Table(
    "connectors_etsy_shop",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),  # Etsy's numeric id, as text
    sa.Column(
        "domain", sa.Text, sa.ForeignKey("connectors_shop.domain"), nullable=False, unique=True
    ),
    # OAuth tokens: the access token lives an hour; the refresh token rotates on every use,
    # so both are replaced in one UPDATE while the row is locked.
    sa.Column("access_token", EncryptedText),
    sa.Column("access_expires_at", sa.DateTime(timezone=True)),
    sa.Column("refresh_token", EncryptedText),
    sa.Column("tokens_updated_at", sa.DateTime(timezone=True)),
    sa.Column("refresh_count", sa.Integer, nullable=False, server_default="0"),
    # Receipts modified up to here (epoch seconds, Etsy's clock) have all been read.
    sa.Column("receipts_watermark", sa.BigInteger),
    sa.Column("last_polled_at", sa.DateTime(timezone=True)),
    sa.Column("last_poll_error", sa.Text),
    sa.Column("poll_on_webhook", sa.Boolean, nullable=False, server_default=sa.true()),
    timestamp("created_at"),
)

# A refresh of the shop's tokens asked of Etsy and not yet stored: written and committed
# before the call, deleted with the new tokens. Left behind, it says the refresh token may
# have been spent by an answer we lost.
etsy_token_refresh = sa.Table(
    "connectors_etsy_token_refresh",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
)

etsy_oauth_state = sa.Table(
    "connectors_etsy_oauth_state",
    metadata,
    sa.Column("state", sa.Text, primary_key=True),
    sa.Column("shop_id", sa.Text, sa.ForeignKey("connectors_etsy_shop.shop_id"), nullable=False),
    sa.Column("code_verifier", sa.Text, nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    timestamp("created_at"),
)

etsy_receipt = sa.Table(
    "connectors_etsy_receipt",
    metadata,
    sa.Column("shop_id", sa.Text, primary_key=True),
    sa.Column("receipt_id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("etsy_updated_at", sa.BigInteger, nullable=False),
    # published: sent to orders once; awaiting_payment: not yet; ended_unpublished:
    # cancelled or refunded before it was ever paid for us; ended_after_publish: the
    # channel cancelled an order Lotline holds; unreadable: kept with the problem, and
    # read again when the receipt changes; shipped_before_seen: fulfilled outside Lotline.
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("problem", sa.Text),
    timestamp("first_seen_at"),
    timestamp("updated_at"),
    sa.CheckConstraint(
        "outcome IN ('published', 'awaiting_payment', 'ended_unpublished', "
        "'ended_after_publish', 'unreadable', 'shipped_before_seen')",
        name="etsy_receipt_outcome",
    ),
)

etsy_api_usage = sa.Table(
    "connectors_etsy_api_usage",
    metadata,
    sa.Column("keystring", sa.Text, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),  # UTC
    sa.Column("calls", sa.Integer, nullable=False, server_default="0"),
)


# --- Amazon (services/connectors/amazon) ---------------------------------------------------

amazon_seller = sa.Table(
    "connectors_amazon_seller",
    metadata,
    sa.Column("seller_id", sa.Text, primary_key=True),  # the selling partner (merchant) id
    sa.Column(
        "domain", sa.Text, sa.ForeignKey("connectors_shop.domain"), nullable=False, unique=True
    ),
    sa.Column("marketplace_ids", sa.ARRAY(sa.Text), nullable=False),
    sa.Column("region", sa.Text, nullable=False),  # na, eu, fe: the SP-API endpoint
    # Login with Amazon: the seller's app client and its refresh token (which does not
    # rotate); the access token lives an hour. All secrets encrypted at rest.
    sa.Column("lwa_client_id", sa.Text, nullable=False),
    sa.Column("lwa_client_secret", EncryptedText, nullable=False),
    sa.Column("refresh_token", EncryptedText),
    sa.Column("access_token", EncryptedText),
    sa.Column("access_expires_at", sa.DateTime(timezone=True)),
    sa.Column("tokens_updated_at", sa.DateTime(timezone=True)),
    sa.Column("refresh_count", sa.Integer, nullable=False, server_default="0"),
    # Set when Login with Amazon refuses the refresh token (invalid_grant): not polled
    # until the seller is authorised again.
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_reason", sa.Text),
    # Orders updated up to here (Amazon's LastUpdateDate) have all been read.
    sa.Column("orders_watermark", sa.DateTime(timezone=True)),
    sa.Column("last_polled_at", sa.DateTime(timezone=True)),
    sa.Column("last_poll_error", sa.Text),
    timestamp("created_at"),
)

amazon_order = sa.Table(
    "connectors_amazon_order",
    metadata,
    sa.Column("seller_id", sa.Text, primary_key=True),
    sa.Column("amazon_order_id", sa.Text, primary_key=True),
    sa.Column("order_status", sa.Text, nullable=False),
    sa.Column("fulfillment_channel", sa.Text, nullable=False),
    sa.Column("marketplace_id", sa.Text),
    sa.Column("last_update_date", sa.DateTime(timezone=True), nullable=False),
    # The order total as Amazon wrote it (an FBA sale's figure): exact, never a float.
    sa.Column("total_amount", sa.Numeric),
    sa.Column("total_currency", sa.Text),
    # See services/connectors/amazon/lifecycle.py for what each outcome means.
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("buyer_cancel_reason", sa.Text),
    sa.Column("problem", sa.Text),
    timestamp("first_seen_at"),
    timestamp("updated_at"),
    sa.CheckConstraint(
        "outcome IN ('pending', 'published', 'cancel_requested', 'cancelled_unpublished', "
        "'cancelled_after_publish', 'shipped_before_seen', 'fba_sale', 'unreadable')",
        name="amazon_order_outcome",
    ),
)


# --- Signed outbound webhooks (issue 17, section 4) ------------------------------------

outbound_webhook = sa.Table(
    "connectors_outbound_webhook",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("event_types", sa.ARRAY(sa.Text), nullable=False),
    sa.Column("description", sa.Text),
    # Generated here, shown once at creation, kept encrypted; never listed again.
    sa.Column("secret", EncryptedText, nullable=False),
    # After a rotation the secret it replaced still signs (beside the new one) until
    # ``previous_secret_until``; then it is cleared. Encrypted, never listed.
    sa.Column("previous_secret", EncryptedText),
    sa.Column("previous_secret_until", sa.DateTime(timezone=True)),
    sa.Column("secret_rotated_at", sa.DateTime(timezone=True)),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("disabled_reason", sa.Text),
    sa.Column("disabled_at", sa.DateTime(timezone=True)),
    # Dead deliveries in a row; a delivered one sets it back to 0.
    sa.Column("consecutive_dead", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_by", sa.Text),
    timestamp("created_at"),
    timestamp("updated_at"),
)

outbound_delivery = sa.Table(
    "connectors_outbound_delivery",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),  # Lotline-Delivery-Id
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column(
        "subscription_id",
        PgUUID(as_uuid=True),
        sa.ForeignKey("connectors_outbound_webhook.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event_id", PgUUID(as_uuid=True), nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("ordering_key", sa.Text, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),  # the bytes signed and sent, each try
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("first_tried_at", sa.DateTime(timezone=True)),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    timestamp("created_at"),
    timestamp("updated_at"),
    sa.UniqueConstraint("subscription_id", "event_id", name="outbound_delivery_once"),
    sa.CheckConstraint("status IN ('pending', 'done', 'dead')", name="outbound_delivery_status"),
    sa.Index("connectors_outbound_delivery_due", "status", "due_at"),
    sa.Index("connectors_outbound_delivery_by_key", "subscription_id", "ordering_key", "seq"),
)


# --- WooCommerce (services/connectors/woocommerce) -------------------------------------
# The store's base URL is the shop's ``admin_api_url`` and its REST consumer secret the
# shop's ``access_token`` (both on connectors_shop, the secret encrypted); the consumer key
# is kept here, encrypted too.

woocommerce_store = sa.Table(
    "connectors_woocommerce_store",
    metadata,
    sa.Column("domain", sa.Text, sa.ForeignKey("connectors_shop.domain"), primary_key=True),
    sa.Column("consumer_key", EncryptedText, nullable=False),
    # Orders modified up to here (the store's clock, UTC) have all been reconciled.
    sa.Column("watermark", sa.DateTime(timezone=True)),
    sa.Column("last_reconciled_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    timestamp("created_at"),
)

# One row per WooCommerce order seen: its newest applied status and ``date_modified_gmt``
# (an older picture never overwrites a newer one) and what it means for Lotline.
woocommerce_order = sa.Table(
    "connectors_woocommerce_order",
    metadata,
    sa.Column("domain", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("date_modified", sa.DateTime(timezone=True), nullable=False),
    # published / awaiting_payment / ended_unpublished / ended_after_publish /
    # shipped_before_seen (the same lifecycle as Etsy's receipts)
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    timestamp("first_seen_at"),
    timestamp("updated_at"),
)

# Webhook deliveries seen, by WooCommerce's X-WC-Webhook-Delivery-ID: a redelivery is a no-op.
woocommerce_delivery = sa.Table(
    "connectors_woocommerce_delivery",
    metadata,
    sa.Column("domain", sa.Text, primary_key=True),
    sa.Column("delivery_id", sa.Text, primary_key=True),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text),
    sa.Column("outcome", sa.Text, nullable=False),
    timestamp("received_at"),
)
