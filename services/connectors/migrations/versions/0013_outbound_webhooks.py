"""connectors: signed outbound webhooks (issue 17, section 4)

Subscriptions (an endpoint, the event types it wants, its encrypted secret, enabled or not)
and one delivery row per subscription and event: the body as signed, its status, attempts
and last answer, and when it is due.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 01:45:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "connectors_outbound_webhook",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("consecutive_dead", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.Text),
        _now("created_at"),
        _now("updated_at"),
    )
    op.create_table(
        "connectors_outbound_delivery",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column(
            "subscription_id",
            UUID(as_uuid=True),
            sa.ForeignKey("connectors_outbound_webhook.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("ordering_key", sa.Text, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("first_tried_at", sa.DateTime(timezone=True)),
        sa.Column(
            "due_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        _now("created_at"),
        _now("updated_at"),
        sa.UniqueConstraint("subscription_id", "event_id", name="outbound_delivery_once"),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'dead')", name="outbound_delivery_status"
        ),
    )
    op.create_index(
        "connectors_outbound_delivery_due", "connectors_outbound_delivery", ["status", "due_at"]
    )
    op.create_index(
        "connectors_outbound_delivery_by_key",
        "connectors_outbound_delivery",
        ["subscription_id", "ordering_key", "seq"],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("connectors_outbound_delivery")
    op.drop_table("connectors_outbound_webhook")
