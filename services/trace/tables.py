"""The trace database: the genealogy graph (a read model rebuilt from the event streams)
and the recalls issued from it (trace's own records, never rebuilt)."""

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
# Keys compare byte by byte: the walk probes the indexes once per node, and the "C"
# collation makes each probe a memcmp instead of a locale-aware comparison.
KEY = sa.Text(collation="C")

node = sa.Table(
    "trace_node",
    metadata,
    # "<kind>:<natural id>", e.g. "lot:FLOUR-R261125-01"; edges name nodes by this key, so
    # an edge may be stored before the event describing its node arrives.
    sa.Column("key", KEY, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text),
    sa.Column("quantity", QTY),
    sa.Column("unit", sa.Text),
    sa.Column("on_hand", QTY),
    sa.Column("on_hand_revision", sa.Integer),
    sa.Column("happened_on", sa.Date),
    sa.Column("label", sa.Text),
    sa.Column("detail", sa.Text),
)

edge = sa.Table(
    "trace_edge",
    metadata,
    # Material flows from source to target: supplier → supplier lot → lot → production
    # order → lot → shipment → order → customer.
    sa.Column("source_key", KEY, primary_key=True),
    sa.Column("target_key", KEY, primary_key=True),
    sa.Column("quantity", QTY),
    sa.Column("unit", sa.Text),
    sa.Column("happened_on", sa.Date),
    # The backward walk follows targets to sources; the primary key serves the forward one.
    sa.Index("trace_edge_backward", "target_key", "source_key"),
)

recall = sa.Table(
    "trace_recall",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("origin_kind", sa.Text, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    # The forward trace as it stood when the recall was issued: the recall list.
    sa.Column("trace", JSONB, nullable=False),
    timestamp("created_at"),
    # A recall issued in error can be withdrawn, once, by an authorised person.
    sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
    sa.Column("withdrawn_by", sa.Text),
    sa.Column("withdrawn_reason", sa.Text),
)
