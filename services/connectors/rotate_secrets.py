"""Re-encrypt every stored secret under the first of ``LOTLINE_SECRETS__KEYS``:

    LOTLINE_SECRETS__KEYS='["<new key>", "<old key>"]' python -m services.connectors.rotate_secrets

then drop the old key from the setting. Safe to run twice, and beside running services
(each row is rewritten in its own short transaction; a service reading it meanwhile reads
it with either key).
"""

from __future__ import annotations

import asyncio
import sys

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from shared import db, encryption
from shared.settings import get_settings


def secret_columns(metadata: sa.MetaData) -> list[sa.Column[str]]:
    """Every column stored encrypted, read off the tables themselves (a new secret column
    is rotated without anyone remembering to list it)."""
    return [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, encryption.EncryptedText)
    ]


async def rotate_all(engine: AsyncEngine) -> int:
    """How many stored secrets were rewritten under the first key."""
    rewritten = 0
    for column in secret_columns(t.metadata):
        table = column.table
        [key] = table.primary_key.columns
        raw = sa.cast(column, sa.Text)  # the ciphertext, not the decrypted value
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(key, raw).where(raw.is_not(None)))).all()
        for row_key, stored in rows:
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text(f"UPDATE {table.name} SET {column.name} = :v WHERE {key.name} = :k"),
                    {"v": encryption.rotate(stored), "k": row_key},
                )
            rewritten += 1
    return rewritten


async def main() -> None:
    settings = get_settings()
    encryption.configure(settings.secrets.keys)
    engine = db.create_engine(settings.pg.url("connectors"), pool_size=1)
    try:
        count = await rotate_all(engine)
    finally:
        await engine.dispose()
    sys.stdout.write(f"{count} stored secrets re-encrypted under the first key; drop the old\n")


if __name__ == "__main__":
    asyncio.run(main())
