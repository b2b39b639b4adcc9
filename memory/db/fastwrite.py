"""A save's statements sent to SQLite in one hop to the aiosqlite thread, not one per statement.

A save writes a few rows (the memory, its history row, its lexical document, the cube's generation).
Through SQLAlchemy's async layer each statement cost ~0.45 ms here (four thread hops, statement
building, result wrapping): more than SQLite's own work. Here they are collected as `Statements` and
run together through aiosqlite's `_execute` (the call its own `execute` makes; an aiosqlite without it
gets no fast path):

- `transaction`: a save whose items are all new (memory.dedup found no duplicate) runs BEGIN, its
  statements and COMMIT in that one hop, on a connection held for it (no session at all: the session's
  begin, connection and commit took ~1 ms of a save);
- `send`: any other save keeps its ORM session, which owns the transaction; its INSERTs go on the
  session's own connection in one hop, and the ORM writes the rest at commit.

Values go through the tables' own SQLAlchemy type processors, so what is stored is exactly what the
ORM would store. SQLite only: elsewhere `for_dialect` returns None and the rows go through the session.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from memory.db.models import Base, CubeRow, MemoryRow


def bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """SQLAlchemy's own conversion of a Python value to what `column` stores (None: stored as is)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


class _Insert:
    """INSERT for one mapped class: (column name, attribute name, bind processor) per column."""

    def __init__(self, model: type[Base], dialect: Dialect) -> None:
        table = model.__table__
        attrs = {a.columns[0].name: a.key for a in model.__mapper__.column_attrs}
        self.columns: list[tuple[str, str, Callable[[Any], Any] | None]] = [
            (c.name, attrs[c.name], bind_processor(c, dialect))
            for c in table.columns if not (c.primary_key and c.autoincrement is True)]
        names = ", ".join(f'"{name}"' for name, _, _ in self.columns)
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(self.columns))})"

    def params(self, obj: Base) -> tuple[Any, ...]:
        out = []
        for _, attr, proc in self.columns:
            value = getattr(obj, attr)
            out.append(proc(value) if proc is not None and value is not None else value)
        return tuple(out)


Statements = list[tuple[str, list[tuple[Any, ...]]]]  # (SQL, rows of parameters), run in order


class FastWrites:
    def __init__(self, dialect: Dialect, models: Sequence[type[Base]]) -> None:
        self._inserts = {model: _Insert(model, dialect) for model in models}
        self._cube_created = bind_processor(CubeRow.__table__.c.created_at, dialect)
        self._accessed_at = bind_processor(MemoryRow.__table__.c.last_accessed_at, dialect)
        self._conn: AsyncConnection | None = None  # held for `transaction`

    @classmethod
    def for_dialect(cls, dialect: Dialect, models: Sequence[type[Base]]) -> FastWrites | None:
        if dialect.name != "sqlite" or dialect.driver != "aiosqlite":
            return None
        import aiosqlite
        return cls(dialect, models) if hasattr(aiosqlite.Connection, "_execute") else None

    @staticmethod
    async def connect(session: AsyncSession) -> Any:
        """The aiosqlite connection under the session's transaction."""
        return await _driver(await session.connection())

    def insert(self, out: Statements, objs: Sequence[Base]) -> None:
        """INSERT mapped objects (all of one class) that are not added to the session."""
        if objs:
            ins = self._inserts[type(objs[0])]
            out.append((ins.sql, [ins.params(o) for o in objs]))

    def set_generation(self, out: Statements, cube: tuple[str, str], generation: int, now: datetime) -> None:
        """Upsert a cube's generation counter (memory.index.manager compares it at start)."""
        created = self._cube_created(now) if self._cube_created else now
        out.append((_CUBE_UPSERT, [(*cube, generation, created)]))

    def record_access(self, out: Statements, seen: dict[str, tuple[datetime, int]]) -> None:
        """Last access time and added count per memory id (search hits, flushed in batches)."""
        at = self._accessed_at or (lambda v: v)
        out.append((_ACCESS_UPDATE, [(at(when), times, memory_id) for memory_id, (when, times) in seen.items()]))

    async def send(self, session: AsyncSession, statements: Statements) -> None:
        """Run the statements in the session's transaction, in one hop to the driver's thread."""
        if statements:
            driver = await self.connect(session)
            await driver._execute(_run, driver._conn, statements)

    async def transaction(self, db: AsyncEngine, statements: Statements) -> None:
        """Run the statements as one transaction of their own (BEGIN IMMEDIATE ... COMMIT, rolled back
        on any error), in one hop. The connection is held between calls (callers hold the writer's
        lock): a pool checkout and checkin cost two more hops per save."""
        if self._conn is None:
            self._conn = await db.connect()
        try:
            driver = await _driver(self._conn)
            await driver._execute(_transaction, driver._conn, statements)
        except BaseException:
            await self.close()  # the next call starts on a fresh connection
            raise

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


async def _driver(conn: AsyncConnection) -> Any:
    """The aiosqlite connection under a SQLAlchemy one. Typed Any: what is called on it (`_execute`,
    `_conn`) is aiosqlite's private, untyped part."""
    return (await conn.get_raw_connection()).driver_connection


def _run(conn: sqlite3.Connection, statements: Statements) -> None:
    for sql, rows in statements:
        conn.executemany(sql, rows)


def _transaction(conn: sqlite3.Connection, statements: Statements) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _run(conn, statements)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


_ACCESS_UPDATE = "UPDATE memories SET last_accessed_at = ?, access_count = access_count + ? WHERE id = ?"
_CUBE_UPSERT = ("INSERT INTO cubes (tenant, cube, generation, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tenant, cube) DO UPDATE SET generation = excluded.generation")
