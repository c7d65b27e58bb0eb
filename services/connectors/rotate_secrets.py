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

SECRET_COLUMNS = {
    t.shop: (t.shop.c.domain, ("webhook_secret", "access_token")),
    t.etsy_shop: (t.etsy_shop.c.shop_id, ("access_token", "refresh_token")),
}


async def rotate_all(engine: AsyncEngine) -> int:
    """How many stored secrets were rewritten under the first key."""
    rewritten = 0
    for table, (key, columns) in SECRET_COLUMNS.items():
        for column in columns:
            raw = sa.cast(table.c[column], sa.Text)  # the ciphertext, not the decrypted value
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.select(key, raw).where(raw.is_not(None)))).all()
            for row_key, stored in rows:
                async with engine.begin() as conn:
                    await conn.execute(
                        sa.text(
                            f"UPDATE {table.name} SET {column} = :value WHERE {key.name} = :key"
                        ),
                        {"value": encryption.rotate(stored), "key": row_key},
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
