"""The inventory database: items, lots, the movement ledger, reservations."""

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

item = sa.Table(
    "inventory_item",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("base_unit", sa.Text, nullable=False),
    sa.Column("shelf_life_days", sa.Integer),
    sa.Column("supplier", sa.Text),
    sa.Column("lead_time_days", sa.Integer),
    timestamp("created_at"),
)

lot = sa.Table(
    "inventory_lot",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("lot_code", sa.Text, nullable=False, unique=True),
    sa.Column("item_code", sa.Text, sa.ForeignKey("inventory_item.code"), nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("on_hand", QTY, nullable=False),
    sa.Column("reserved", QTY, nullable=False, server_default="0"),
    sa.Column("expires_on", sa.Date),
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("supplier", sa.Text),
    sa.Column("supplier_lot_code", sa.Text),
    sa.Column("cost", sa.Numeric(18, 4)),
    sa.Column("cost_currency", sa.Text),
    sa.Column("received_on", sa.Date),
    sa.Column("production_order_id", PgUUID(as_uuid=True)),
    # Set by a recall: the lot is never reserved, held, consumed or shipped again.
    sa.Column("blocked_by_recall", PgUUID(as_uuid=True)),
    sa.Column("blocked_reason", sa.Text),
    timestamp("created_at"),
    # Returned goods held apart (issue 4): never reserved until an operator releases them.
    sa.Column("quarantined", sa.Boolean, nullable=False, server_default=sa.false()),
    # Issue 17: what one base unit of the lot cost (inventory.stock.costing_rules), 6 places;
    # NULL: unknown (received without a cost, or made from an input of unknown cost).
    sa.Column("unit_cost", sa.Numeric(24, 6)),
    sa.Column("unit_cost_currency", sa.Text),
    # A produced lot's labour and overhead (run minutes × the line's rate), kept so the lot
    # can be re-costed when an input's cost is corrected (services.inventory.stock.recosting).
    sa.Column("labour_cost", sa.Numeric(24, 6)),
    sa.Column("labour_currency", sa.Text),
    sa.CheckConstraint("on_hand >= 0", name="lot_on_hand_not_negative"),
    sa.CheckConstraint("reserved >= 0", name="lot_reserved_not_negative"),
    sa.CheckConstraint("reserved <= on_hand", name="lot_never_oversold"),
    sa.Index("inventory_lot_item", "item_code"),
)

movement = sa.Table(
    "inventory_movement",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("lot_id", sa.BigInteger, sa.ForeignKey("inventory_lot.id"), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("reference", sa.Text),
    timestamp("created_at"),
    sa.Index("inventory_movement_lot", "lot_id"),
)

reservation = sa.Table(
    "inventory_reservation",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("order_id", PgUUID(as_uuid=True), nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("lot_id", sa.BigInteger, sa.ForeignKey("inventory_lot.id"), nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    timestamp("created_at"),
    sa.UniqueConstraint("order_id", "line_no", "lot_id", name="one_reservation_per_line_and_lot"),
    sa.CheckConstraint("quantity > 0", name="reservation_positive"),
)

order_request = sa.Table(
    "inventory_order_request",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false()),
    # The minimum shelf-life rule resolved when the order was reserved (ShelfLifeRule.as_json),
    # applied again when production output is allocated to it; None: no rule.
    sa.Column("shelf_life", JSONB),
    timestamp("created_at"),
)

# Minimum remaining shelf life per channel or per customer (e-mail or wholesale name),
# the key normalised (shelf_life_rules.normalise_key). min_fraction is exact text ("2/3").
shelf_life_rule = sa.Table(
    "inventory_shelf_life_rule",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("min_days", sa.Integer),
    sa.Column("min_fraction", sa.Text),
    timestamp("updated_at"),
    sa.CheckConstraint("scope IN ('channel', 'customer')", name="shelf_life_rule_scope"),
    sa.CheckConstraint(
        "min_days IS NOT NULL OR min_fraction IS NOT NULL", name="shelf_life_rule_asks_something"
    ),
)

order_line = sa.Table(
    "inventory_order_line",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("requested", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
)

material_request = sa.Table(
    "inventory_material_request",
    metadata,
    sa.Column("production_order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("materials", JSONB, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    sa.Index("inventory_material_request_status", "status"),
)

material_reservation = sa.Table(
    "inventory_material_reservation",
    metadata,
    sa.Column("production_order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("lot_id", sa.BigInteger, sa.ForeignKey("inventory_lot.id"), primary_key=True),
    sa.Column("quantity", QTY, nullable=False),
    sa.CheckConstraint("quantity > 0", name="material_reservation_positive"),
)

shipment = sa.Table(
    "inventory_shipment",
    metadata,
    sa.Column("shipment_id", PgUUID(as_uuid=True), primary_key=True),
    timestamp("created_at"),
)

# Purchase orders to suppliers: one item each, received in one or more goods receipts.
purchase_order = sa.Table(
    "inventory_purchase_order",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, sa.ForeignKey("inventory_item.code"), nullable=False),
    sa.Column("supplier", sa.Text, nullable=False),
    # In the item's base unit.
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("received", QTY, nullable=False, server_default="0"),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("expected_on", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    timestamp("created_at"),
    timestamp("updated_at"),
    sa.CheckConstraint("quantity > 0", name="purchase_order_quantity_positive"),
    sa.CheckConstraint("received >= 0", name="purchase_order_received_not_negative"),
    sa.Index("inventory_purchase_order_item", "item_code"),
)

# Make-to-stock: min/max per item (base unit) and the replenishment suggestions they raise.
reorder_point = sa.Table(
    "inventory_reorder_point",
    metadata,
    sa.Column("item_code", sa.Text, sa.ForeignKey("inventory_item.code"), primary_key=True),
    sa.Column("reorder_point", QTY, nullable=False),
    sa.Column("target", QTY, nullable=False),
    sa.Column("pack_size", QTY),
    sa.Column("unit", sa.Text, nullable=False),
    timestamp("updated_at"),
)

suggestion = sa.Table(
    "inventory_suggestion",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, sa.ForeignKey("inventory_item.code"), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("available", QTY, nullable=False),
    sa.Column("daily_demand", QTY, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    # The production order or purchase order an accepted suggestion became.
    sa.Column("reference", PgUUID(as_uuid=True)),
    timestamp("created_at"),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Index(
        "one_open_suggestion_per_item",
        "item_code",
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    ),
)
