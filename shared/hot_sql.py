"""Hot statements: a SQLAlchemy Core statement compiled once, run on asyncpg directly.

Every order costs about a hundred statements across the services, and SQLAlchemy's work
per execution (building the statement, its cache key, processing parameters, wrapping
results, the greenlet hop) costs three to five times asyncpg's own: profiled under load
it was a third of each service's CPU. The few statements every order runs through (inbox,
outbox, relay, the intake and reservation paths) are declared once at import with named
``bindparam``s, compiled to PostgreSQL's ``$n`` text, and executed on the asyncpg
connection under the caller's ``AsyncConnection`` — inside its transaction, with
SQLAlchemy's own parameter processing (JSONB serialising, encrypting) and with database
errors raised as the same ``sqlalchemy.exc`` errors the rest of the code classifies
(``shared.messaging.is_transient``).

Rows come back as ``Row``s, asyncpg records read like SQLAlchemy's: ``row.id``,
``row["id"]`` or ``row[0]``, the values as asyncpg decodes them: a statement reading a
column SQLAlchemy must convert (an encrypted secret, an ``Enum``) is refused when declared.
Everything not on the hot path stays plain SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import BindParameter, ColumnElement, Enum, TypeDecorator, bindparam, exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable


class Row(asyncpg.Record):  # type: ignore[misc]
    """A record whose columns read as attributes too, as SQLAlchemy's rows do."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


def array_of(name: str, column: ColumnElement[Any]) -> BindParameter[Any]:
    """A parameter ``name`` holding an array of ``column``'s values: one SQL text (one
    prepared statement) however many values a call gives — for ``ANY`` (``any_of``) or
    ``unnest`` (a batch of rows as one array per column)."""
    return bindparam(name, type_=ARRAY(column.type))


def unnest_rows(**arrays: sa.Column[Any]) -> sa.TableValuedAlias:
    """A batch of rows given as one array per column, to insert or join in one statement:
    ``name=column`` is the parameter ``name`` holding values of ``column`` (its type,
    ``array_of``), read back as a column named as ``column``. One SQL text however many
    rows: ``insert(table).from_select(names, sa.select(unnest_rows(...)))``."""
    return (
        sa.func.unnest(*(array_of(name, column) for name, column in arrays.items()))
        .table_valued(*(column.name for column in arrays.values()))
        .render_derived()
    )


def any_of(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column = ANY(:name)``, the values given as one array (``array_of``)."""
    return column == sa.any_(array_of(name, column))


def bound(*names: str) -> dict[str, BindParameter[Any]]:
    """A named parameter for each column a statement sets, named as the column:
    ``insert(table).values(bound("order_id", "line_no"))``."""
    return {name: bindparam(name) for name in names}


class HotStatement:
    """``statement`` compiled once; run with ``fetch``/``execute``/``execute_many``."""

    def __init__(self, statement: Executable) -> None:
        compiled = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
        for column in compiled._result_columns:
            if isinstance(column.type, TypeDecorator | Enum):  # decrypted, enum members…
                raise TypeError(
                    f"{column.keyname} is read through SQLAlchemy's result processing "
                    f"({type(column.type).__name__}); run this statement with SQLAlchemy"
                )
        self.sql: str = str(compiled)
        names = compiled.positiontup or ()
        processors: Mapping[str, Callable[[Any], Any]] = compiled._bind_processors
        defaults = {name: compiled.binds[name].value for name in names}
        self._plan: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] = tuple(
            (name, processors.get(name), defaults[name]) for name in names
        )

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for ``params``, processed as SQLAlchemy would; a bound
        value given at declaration is the default."""
        args = []
        for name, process, default in self._plan:
            value = params.get(name, default)
            args.append(process(value) if process is not None else value)
        return args

    async def fetch(self, conn: AsyncConnection, **params: Any) -> list[Row]:
        """Every row the statement returns."""
        driver = await _in_transaction(conn)
        try:
            return await driver.fetch(self.sql, *self.arguments(params), record_class=Row)  # type: ignore[no-any-return]
        except Exception as error:
            raise _translated(conn, self.sql, params, error) from error

    async def fetchrow(self, conn: AsyncConnection, **params: Any) -> Row | None:
        """The first row, or None."""
        rows = await self.fetch(conn, **params)
        return rows[0] if rows else None

    async def fetch_alone(self, conn: AsyncConnection, **params: Any) -> list[Row]:
        """Every row, the statement run as its own transaction: PostgreSQL commits it as it
        runs, so no BEGIN and COMMIT round trips (two of the four a one-statement
        transaction costs). Only on a connection with no transaction begun (raises
        otherwise: inside one, ``fetch`` is meant), for a statement complete by itself."""
        fairy = await _pooled(conn)
        if conn.in_transaction() or fairy.dbapi_connection._transaction is not None:
            raise RuntimeError("fetch_alone inside a transaction: use fetch")
        driver: asyncpg.Connection = fairy.driver_connection
        try:
            return await driver.fetch(self.sql, *self.arguments(params), record_class=Row)  # type: ignore[no-any-return]
        except Exception as error:
            raise _translated(conn, self.sql, params, error) from error

    async def execute(self, conn: AsyncConnection, **params: Any) -> None:
        """Run it for its effect."""
        await self.fetch(conn, **params)

    async def execute_many(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per parameter set, pipelined (asyncpg's ``executemany``)."""
        if not rows:
            return
        driver = await _in_transaction(conn)
        try:
            await driver.executemany(self.sql, [self.arguments(row) for row in rows])
        except Exception as error:
            raise _translated(conn, self.sql, rows[0], error) from error


async def _in_transaction(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under ``conn``, its transaction begun: SQLAlchemy's asyncpg
    adapter sends BEGIN lazily, before the first statement it runs itself.

    The pooled connection is read straight off the checked-out ``Connection`` when it has
    one (always, inside ``engine.begin()``): ``get_raw_connection`` spawns a greenlet to
    read that same attribute, once per hot statement."""
    fairy = await _pooled(conn)
    adapted: Any = fairy.dbapi_connection
    if adapted._transaction is None and not adapted.autocommit:
        await adapted._start_transaction()
    driver: asyncpg.Connection = fairy.driver_connection
    return driver


async def _pooled(conn: AsyncConnection) -> Any:
    """The pooled connection (SQLAlchemy's "fairy") ``conn`` has checked out."""
    sync = conn.sync_connection
    fairy: Any = sync._dbapi_connection if sync is not None else None
    if fairy is None:  # not yet checked out, or invalidated: SQLAlchemy's own way
        fairy = await conn.get_raw_connection()
    return fairy


def _translated(conn: AsyncConnection, sql: str, params: Any, error: Exception) -> BaseException:
    """``error`` as SQLAlchemy would have raised it (``sqlalchemy.exc.DBAPIError`` and its
    kinds, the asyncpg error as its cause); anything else unchanged."""
    if not isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
        return error
    dbapi: Any = conn.dialect.dbapi
    try:
        dbapi_connection: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        dbapi_connection._handle_exception(error)
    except dbapi.Error as translated:
        wrapped: BaseException = exc.DBAPIError.instance(sql, params, translated, dbapi.Error)
        return wrapped
    except Exception as other:  # whatever the adapter raised instead
        raised: BaseException = other
        return raised
    unchanged: BaseException = error
    return unchanged
