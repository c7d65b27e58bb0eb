"""The production database: production orders, the order lines they serve, their
materials, recipes, and read models of inventory's items and lots."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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

production_order = sa.Table(
    "production_order",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    # What people call it (MO-00042, services.production.numbers), assigned at creation.
    sa.Column(
        "number",
        sa.BigInteger,
        server_default=sa.text("nextval('production_order_number_seq'::regclass)"),
        nullable=False,
    ),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("recipe_version", sa.Integer),
    sa.Column("batches", QTY),
    sa.Column(
        "parent_production_order_id",
        PgUUID(as_uuid=True),
        sa.ForeignKey("production_order.id", name="production_order_parent_fk"),
    ),
    sa.Column("output_lot_code", sa.Text),
    # Set when inventory reports the output lot created (ProductionRecorded).
    sa.Column("output_recorded_at", sa.DateTime(timezone=True)),
    sa.Column("output_quantity", QTY),
    sa.Column("output_unit", sa.Text),
    sa.Column("produced_on", sa.Date),
    sa.Column("expires_on", sa.Date),
    timestamp("created_at"),
    timestamp("updated_at"),
    # Issue 17: the run time the operator recorded at completion (minutes), for costing.
    sa.Column("run_minutes", sa.Integer),
    sa.CheckConstraint("quantity > 0", name="production_quantity_positive"),
    sa.UniqueConstraint("number", name="production_order_number_key"),
    sa.Index("production_order_parent", "parent_production_order_id"),
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
    # Creation order of the demand: completion allocates the output in this order.
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
    sa.Index("production_demand_order", "order_id"),
)

material = sa.Table(
    "production_order_material",
    metadata,
    sa.Column(
        "production_order_id",
        PgUUID(as_uuid=True),
        sa.ForeignKey("production_order.id"),
        primary_key=True,
    ),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
)


def _material_lots(name: str) -> sa.Table:
    """Lots of material per production order: held for it, or consumed by it."""
    return sa.Table(
        name,
        metadata,
        _production_order_key(),
        sa.Column("lot_code", sa.Text, primary_key=True),
        sa.Column("item_code", sa.Text, nullable=False),
        sa.Column("quantity", QTY, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("expires_on", sa.Date),
    )


def _production_order_key() -> sa.Column[object]:
    return sa.Column(
        "production_order_id",
        PgUUID(as_uuid=True),
        sa.ForeignKey("production_order.id"),
        primary_key=True,
    )


reserved_lot = _material_lots("production_order_reserved_lot")

shortage = sa.Table(
    "production_order_shortage",
    metadata,
    _production_order_key(),
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("needed", QTY, nullable=False),
    sa.Column("available", QTY, nullable=False),
    sa.Column("missing", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("supplier", sa.Text),
    sa.Column("lead_time_days", sa.Integer),
)

consumption = _material_lots("production_order_consumption")

status_history = sa.Table(
    "production_order_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "production_order_id",
        PgUUID(as_uuid=True),
        sa.ForeignKey("production_order.id"),
        nullable=False,
    ),
    sa.Column("previous", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    timestamp("created_at"),
    sa.Index("production_history_order", "production_order_id"),
)

# Production lines and their working calendars (national holidays come from the library).
production_line = sa.Table(
    "production_line",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("country", sa.Text, nullable=False, server_default="IT"),
    sa.Column("subdivision", sa.Text),
    # date.weekday() numbers: Monday is 0.
    sa.Column("working_weekdays", ARRAY(sa.Integer), nullable=False),
    sa.Column("hours_per_day", sa.Numeric(4, 2), nullable=False),
    sa.Column("closures", ARRAY(sa.Date), nullable=False, server_default="{}"),
    timestamp("created_at"),
    # Issue 17: labour and overhead per minute of run time, added to the cost of what the
    # line makes (0: not costed yet).
    sa.Column("cost_per_minute", sa.Numeric(18, 6), nullable=False, server_default="0"),
    sa.Column("cost_currency", sa.Text, nullable=False, server_default="EUR"),
    sa.CheckConstraint("cost_per_minute >= 0", name="production_line_cost_not_negative"),
)

# The minutes a line really has on one date (0 for a breakdown, 480 for an overtime Saturday).
line_capacity = sa.Table(
    "production_line_capacity",
    metadata,
    sa.Column("line_code", sa.Text, sa.ForeignKey("production_line.code"), primary_key=True),
    sa.Column("on", sa.Date, primary_key=True),
    sa.Column("minutes", sa.Integer, nullable=False),
    timestamp("updated_at"),
    sa.CheckConstraint("minutes >= 0", name="production_line_capacity_not_negative"),
)

recipe = sa.Table(
    "production_recipe",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("batch_size", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("expected_yield", QTY, nullable=False),
    sa.Column("whole_batches", sa.Boolean, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    # Where and how long it is made: setup once, then minutes per batch (issue 7).
    sa.Column(
        "line_code", sa.Text, sa.ForeignKey("production_line.code", name="recipe_line_code_fk")
    ),
    sa.Column("setup_minutes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("minutes_per_batch", sa.Integer),
    sa.Column("active", sa.Boolean, nullable=False),
    timestamp("created_at"),
    sa.UniqueConstraint("item_code", "version", name="one_recipe_per_item_and_version"),
    sa.Index(
        "one_active_recipe_per_item",
        "item_code",
        unique=True,
        postgresql_where=sa.text("active"),
    ),
)

recipe_line = sa.Table(
    "production_recipe_line",
    metadata,
    sa.Column("recipe_id", sa.BigInteger, sa.ForeignKey("production_recipe.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("quantity", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
)

# Read models of inventory's master data and lots, fed by inventory.events (eventual).
item = sa.Table(
    "production_item",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("base_unit", sa.Text, nullable=False),
    sa.Column("shelf_life_days", sa.Integer),
    sa.Column("supplier", sa.Text),
    sa.Column("lead_time_days", sa.Integer),
    timestamp("updated_at"),
)

lot = sa.Table(
    "production_lot",
    metadata,
    sa.Column("lot_code", sa.Text, primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("on_hand", QTY, nullable=False),
    sa.Column("reserved", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("expires_on", sa.Date),
    sa.Column("revision", sa.BigInteger, nullable=False),
    timestamp("updated_at"),
    # LotStatus: only an available lot's free stock is counted (invariant 8).
    sa.Column("status", sa.Text, nullable=False, server_default="available"),
    sa.Index("production_lot_item", "item_code"),
)

cancelled_order = sa.Table(
    "production_cancelled_order",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    timestamp("cancelled_at"),
)

# Read model of inventory's purchase orders (PurchaseOrderChanged): what is still to come.
purchase_order = sa.Table(
    "production_purchase_order",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("remaining", QTY, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("expected_on", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Index("production_purchase_order_item", "item_code"),
)

# The promise last published for each customer order (OrderPromised): a re-plan publishes
# only what changed.
# What each customer order's production lacks at every level, as last published
# (``OrderMaterialsChanged``): a re-plan publishes only what differs.
order_missing_material = sa.Table(
    "production_order_missing_material",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("missing", JSONB, nullable=False),
    timestamp("updated_at"),
)

# Each customer order's channel, shop and shipping service (from OrderReceived): whose
# handling and transit terms its promise counts.
customer_order = sa.Table(
    "production_customer_order",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("shop", sa.Text),
    sa.Column("shipping_service", sa.Text),
)

order_promise = sa.Table(
    "production_order_promise",
    metadata,
    sa.Column("order_id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("promised_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    timestamp("updated_at"),
)
