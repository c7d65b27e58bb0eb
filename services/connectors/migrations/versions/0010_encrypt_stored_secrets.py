"""encrypt stored secrets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 20:40:00.000000

Shops' webhook secrets and access tokens and Etsy's tokens were stored in plain text: each
is rewritten encrypted with the deployment's first key (LOTLINE_SECRETS__KEYS). The columns
stay text; ``shared.encryption.EncryptedText`` reads them.
"""
from typing import Callable, Sequence, Union

from alembic import op
import sqlalchemy as sa

from shared import encryption


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SECRETS = {
    "connectors_shop": ("domain", ("webhook_secret", "access_token")),
    "connectors_etsy_shop": ("shop_id", ("access_token", "refresh_token")),
}


def upgrade() -> None:
    """Encrypt every secret still in plain text."""
    _rewrite(lambda value: value if encryption.is_encrypted(value) else encryption.encrypt(value))


def downgrade() -> None:
    """Decrypt them again (plain text, as before)."""
    _rewrite(encryption.decrypt)


def _rewrite(transform: Callable[[str], str]) -> None:
    """Every stored secret replaced by ``transform`` of it, row by row."""
    conn = op.get_bind()
    for table, (key, columns) in SECRETS.items():
        for column in columns:
            rows = conn.execute(
                sa.text(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL")
            ).all()
            for row_key, value in rows:
                new = transform(value)
                if new != value:
                    conn.execute(
                        sa.text(f"UPDATE {table} SET {column} = :value WHERE {key} = :key"),
                        {"value": new, "key": row_key},
                    )
