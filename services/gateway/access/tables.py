"""The gateway's own database: people, their sessions, machines' API keys, sign-in
attempts and the append-only audit trail. No other service reads these tables."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from shared.db import timestamp

metadata = sa.MetaData()

user = sa.Table(
    "gateway_user",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    # argon2id, with its parameters and salt inside the string (pwdlib's format).
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("locale", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    timestamp("created_at"),
    sa.Column("password_changed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="gateway_user_role"),
    sa.Index("gateway_user_username", sa.func.lower(sa.text("username")), unique=True),
)

session = sa.Table(
    "gateway_session",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    # SHA-256 of the cookie's token: a copy of this table opens no session.
    sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),
    sa.Column("user_id", PgUUID(as_uuid=True), sa.ForeignKey("gateway_user.id"), nullable=False),
    sa.Column("csrf_token", sa.Text, nullable=False),
    timestamp("created_at"),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("address", INET),
    sa.Column("user_agent", sa.Text),
    sa.Index("gateway_session_user", "user_id"),
)

api_key = sa.Table(
    "gateway_api_key",
    metadata,
    sa.Column("id", PgUUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    # The visible part of the key (``llk_<prefix>_…``): finds the row, proves nothing.
    sa.Column("prefix", sa.Text, nullable=False, unique=True),
    sa.Column("secret_hash", sa.LargeBinary, nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    timestamp("created_at"),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_by", sa.Text),
    sa.CheckConstraint("scope IN ('read', 'write', 'admin')", name="gateway_api_key_scope"),
)

sign_in_attempt = sa.Table(
    "gateway_sign_in_attempt",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("succeeded", sa.Boolean, nullable=False),
    timestamp("at"),
    sa.Index("gateway_sign_in_attempt_username", sa.func.lower(sa.text("username")), "at"),
    sa.Index("gateway_sign_in_attempt_address", "address", "at"),
)

audit = sa.Table(
    "gateway_audit",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    timestamp("at"),
    sa.Column("actor_kind", sa.Text, nullable=False),
    sa.Column("actor_id", PgUUID(as_uuid=True)),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("resource_id", sa.Text),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("address", sa.Text),
    sa.Column("detail", JSONB),
    sa.Index("gateway_audit_at", "at"),
    sa.Index("gateway_audit_actor", "actor_name", "at"),
)
