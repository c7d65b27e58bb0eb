"""Hot statements run on asyncpg directly, yet behave as SQLAlchemy's: inside the caller's
transaction (even as its first statement), with SQLAlchemy's parameter processing, rows
read by attribute, and database errors raised as the ``sqlalchemy.exc`` kinds the
consumers classify."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.encryption import EncryptedText
from shared.hot_sql import HotStatement
from shared.messaging import is_transient

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
THING = sa.Table(
    "hot_sql_thing",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("ref", PgUUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("data", JSONB),
    sa.Column("maybe", JSONB(none_as_null=True)),
    sa.Column("amount", sa.Numeric(18, 6)),
)
INSERT = HotStatement(
    THING.insert()
    .values(
        ref=sa.bindparam("ref"),
        data=sa.bindparam("data"),
        maybe=sa.bindparam("maybe"),
        amount=sa.bindparam("amount"),
    )
    .returning(THING.c.id)
)
BY_REFS = HotStatement(
    sa.select(THING.c.ref, THING.c.data, THING.c.maybe, THING.c.amount)
    .where(THING.c.ref == sa.any_(sa.bindparam("refs", type_=ARRAY(PgUUID(as_uuid=True)))))
    .order_by(THING.c.id)
)
BUMP = HotStatement(
    THING.update()
    .where(THING.c.ref == sa.bindparam("ref"))
    .values(amount=THING.c.amount + sa.bindparam("by", type_=THING.c.amount.type))
)


@pytest.fixture(scope="module")
async def engine(orders_engine: AsyncEngine) -> AsyncEngine:
    async with orders_engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return orders_engine


async def count(engine: AsyncEngine, ref: uuid.UUID) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).where(THING.c.ref == ref)) or 0)


async def test_a_first_statement_runs_inside_the_callers_transaction(engine: AsyncEngine) -> None:
    ref = uuid.uuid4()
    async with engine.connect() as conn:
        transaction = await conn.begin()
        row = await INSERT.fetchrow(conn, ref=ref, data={"a": 1}, maybe=None, amount=1)
        assert row is not None and row.id > 0
        await transaction.rollback()
    assert await count(engine, ref) == 0  # rolled back with the transaction, not autocommitted

    async with engine.begin() as conn:
        await INSERT.execute(conn, ref=ref, data={"a": 1}, maybe=None, amount=1)
    assert await count(engine, ref) == 1


async def test_parameters_and_rows_read_as_sqlalchemys(engine: AsyncEngine) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as conn:
        await INSERT.execute_many(
            conn,
            [
                {"ref": first, "data": None, "maybe": None, "amount": Decimal("1.5")},
                {"ref": second, "data": {"k": [1, 2]}, "maybe": {"x": None}, "amount": 2},
            ],
        )
        rows = await BY_REFS.fetch(conn, refs=[first, second])
        # The same columns written by SQLAlchemy itself, to compare what it stores.
        plain = uuid.uuid4()
        await conn.execute(THING.insert().values(ref=plain, data=None, maybe=None, amount=0))
        stored = (
            await conn.execute(
                sa.select(
                    THING.c.ref, sa.func.jsonb_typeof(THING.c.data), THING.c.maybe.is_(None)
                ).where(THING.c.ref.in_([first, plain]))
            )
        ).all()
    assert [row.ref for row in rows] == [first, second]
    assert rows[1].data == {"k": [1, 2]} and rows[1]["maybe"] == {"x": None}
    assert rows[0].amount == Decimal("1.5") and rows[1][3] == Decimal(2)
    # None in a JSONB column is JSON null, as SQLAlchemy writes it; with none_as_null, SQL NULL.
    assert {r[1:] for r in stored} == {("null", True)}
    with pytest.raises(AttributeError):
        _ = rows[0].no_such_column


async def test_a_unique_violation_is_sqlalchemys_integrity_error(engine: AsyncEngine) -> None:
    ref = uuid.uuid4()
    async with engine.begin() as conn:
        await INSERT.execute(conn, ref=ref, data=None, maybe=None, amount=0)
    async with engine.connect() as conn, conn.begin():
        with pytest.raises(exc.IntegrityError) as raised:
            await INSERT.execute(conn, ref=ref, data=None, maybe=None, amount=0)
    assert not is_transient(raised.value)
    assert "hot_sql_thing" in str(raised.value) or "duplicate key" in str(raised.value)


async def test_a_deadlock_is_a_transient_dbapi_error(engine: AsyncEngine) -> None:
    """Two transactions bumping two rows in opposite orders: PostgreSQL kills one, and the
    consumers must see it as a fault worth retrying, as with SQLAlchemy's own statements."""
    a, b = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as conn:
        for ref in (a, b):
            await INSERT.execute(conn, ref=ref, data=None, maybe=None, amount=0)
    both_hold_one = asyncio.Barrier(2)

    async def bump(first: uuid.UUID, then: uuid.UUID) -> None:
        async with engine.begin() as conn:
            await BUMP.execute(conn, ref=first, by=1)
            await both_hold_one.wait()
            await BUMP.execute(conn, ref=then, by=1)

    outcomes = await asyncio.gather(bump(a, b), bump(b, a), return_exceptions=True)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], exc.DBAPIError) and is_transient(errors[0])


def test_a_column_sqlalchemy_must_convert_is_refused_when_declared() -> None:
    secrets = sa.Table("hot_sql_secret", sa.MetaData(), sa.Column("token", EncryptedText))
    with pytest.raises(TypeError, match="token"):
        HotStatement(sa.select(secrets.c.token))


async def test_a_statement_run_alone_commits_by_itself_and_is_refused_inside_a_transaction(
    engine: AsyncEngine,
) -> None:
    ref = uuid.uuid4()
    async with engine.connect() as conn:
        [row] = await INSERT.fetch_alone(conn, ref=ref, data=None, maybe=None, amount=1)
        assert row.id > 0 and not conn.in_transaction()
        # Closing the connection rolls back whatever it began: nothing was begun.
    assert await count(engine, ref) == 1

    async with engine.begin() as conn:
        with pytest.raises(RuntimeError, match="inside a transaction"):
            await INSERT.fetch_alone(conn, ref=uuid.uuid4(), data=None, maybe=None, amount=1)
    async with engine.connect() as conn, conn.begin():
        await BUMP.execute(conn, ref=ref, by=1)  # the adapter's transaction begun lazily
        with pytest.raises(RuntimeError, match="inside a transaction"):
            await INSERT.fetch_alone(conn, ref=uuid.uuid4(), data=None, maybe=None, amount=1)
    async with engine.connect() as conn:
        with pytest.raises(exc.IntegrityError):
            await INSERT.fetch_alone(conn, ref=ref, data=None, maybe=None, amount=1)
        [again] = await BY_REFS.fetch_alone(conn, refs=[ref])  # the connection still serves
    assert again.amount == 2
